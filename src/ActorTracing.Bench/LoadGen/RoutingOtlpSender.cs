using ActorTracing.Domain.Wire;
using ActorTracing.Workload;

namespace ActorTracing.Bench;

/// <summary>
/// Sends each export request to a node of its own region, as collectors in each region would:
/// the region is peeked from the request's first resource (<see cref="OtlpRegionPeek"/>; the
/// traffic model batches per region) and the request goes to that region's routes in turn. A
/// request of a region without routes goes to the fallback endpoint. One real sender per distinct
/// endpoint, so connections are shared by the regions that route to the same node. When every
/// endpoint's sender can send on the calling thread, so can this one: the generator then keeps
/// its dedicated send threads (and its ~1 µs per span) in cluster runs too.
/// </summary>
public sealed class RoutingOtlpSender : IBlockingOtlpSender
{
    private readonly Dictionary<Uri, IOtlpSender> _senders = [];
    private readonly Dictionary<string, RegionRoutes> _regions = new(StringComparer.Ordinal);
    private readonly IOtlpSender _fallback;

    /// <param name="create">Makes the real sender of one endpoint (HTTP or gRPC).</param>
    public RoutingOtlpSender(Func<Uri, IOtlpSender> create, Uri fallback, IReadOnlyList<LoadRoute> routes)
    {
        ArgumentNullException.ThrowIfNull(create);
        ArgumentNullException.ThrowIfNull(routes);
        IOtlpSender SenderFor(Uri endpoint)
        {
            if (!_senders.TryGetValue(endpoint, out var sender))
            {
                sender = create(endpoint);
                _senders.Add(endpoint, sender);
            }
            return sender;
        }
        _fallback = SenderFor(fallback);
        foreach (var group in routes.GroupBy(r => r.Region, StringComparer.Ordinal))
        {
            _regions[group.Key] = new RegionRoutes([.. group.Select(r => SenderFor(r.Endpoint))]);
        }
    }

    /// <summary>
    /// The fallback endpoint's counters. Each endpoint's sender counts its own requests
    /// (<see cref="Endpoints"/>); the generator itself counts outcomes from the results, not from here.
    /// </summary>
    public OtlpSenderStats Stats => _fallback.Stats;

    public IReadOnlyList<(Uri Endpoint, OtlpSenderStats Stats)> Endpoints => [.. _senders.Select(p => (p.Key, p.Value.Stats))];

    public bool CanSendBlocking => _senders.Values.All(s => s is IBlockingOtlpSender { CanSendBlocking: true });

    public Task<OtlpSendResult> SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
        => SenderFor(payload).SendAsync(payload, cancellationToken);

    public OtlpSendResult Send(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
        => SenderFor(payload) is IBlockingOtlpSender blocking
            ? blocking.Send(payload, cancellationToken)
            : throw new InvalidOperationException("an endpoint's sender cannot send blocking; check CanSendBlocking first");

    private IOtlpSender SenderFor(ReadOnlyMemory<byte> payload)
    {
        string? region;
        try
        {
            region = OtlpRegionPeek.FirstResourceRegion(payload.Span);
        }
        catch (ProtoFormatException)
        {
            // Not ours to judge: the node answers a malformed request with 400, which is counted.
            region = null;
        }
        return region is not null && _regions.TryGetValue(region, out var routes) ? routes.Next() : _fallback;
    }

    public void Dispose()
    {
        foreach (var sender in _senders.Values)
        {
            sender.Dispose();
        }
    }

    /// <summary>One region's senders, taken in turn. A counter per region: one shared by all regions
    /// would hand a region that always sends on even turns the same node every time.</summary>
    private sealed class RegionRoutes(IOtlpSender[] senders)
    {
        private long _turn = -1;

        public IOtlpSender Next() => senders.Length == 1 ? senders[0] : senders[(int)((ulong)Interlocked.Increment(ref _turn) % (ulong)senders.Length)];
    }
}
