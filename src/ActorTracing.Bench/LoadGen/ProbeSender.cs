using ActorTracing.Domain;
using ActorTracing.Domain.Otlp;
using ActorTracing.Workload;

namespace ActorTracing.Bench;

/// <summary>
/// Sends stitching probes: small traces whose first half (root + a client span) is exported by one
/// region and whose second half (the remote server span, timestamps shifted by the clock skew) by
/// another region, <see cref="LoadGenRequest.ProbeDelay"/> later and possibly to another ingest
/// endpoint. The root is an error so the default rules keep every probe (rules/errors): a probe
/// that never becomes queryable is then a pipeline fault, not a sampling outcome.
/// </summary>
public static class ProbeSender
{
    private static readonly ScopeDetail Scope = new("actortracing.bench.probe", "1.0.0", []);

    public static async Task<LoadGenResult> RunAsync(LoadGenRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var protocol = LoadGenRunner.ParseProtocol(request.Protocol);
        using var first = CreateSender(protocol, request.Endpoint);
        using var second = request.SecondEndpoint is null ? null : CreateSender(protocol, request.SecondEndpoint);
        var ids = Ids(request.Seed, request.ProbeTraces);
        var tasks = new List<Task<ProbeTrace>>(request.ProbeTraces);
        var started = DateTime.UtcNow;
        for (var i = 0; i < request.ProbeTraces; i++)
        {
            tasks.Add(SendOneAsync(request, ids[i], first, second ?? first, cancellationToken));
            await Task.Delay(request.ProbeInterval, cancellationToken).ConfigureAwait(false);
        }
        var probes = await Task.WhenAll(tasks).ConfigureAwait(false);
        return new LoadGenResult
        {
            Mode = LoadGenMode.Probe,
            Protocol = request.Protocol,
            Endpoint = request.Endpoint.ToString(),
            Seed = request.Seed,
            ElapsedSeconds = Math.Round((DateTime.UtcNow - started).TotalSeconds, 3),
            Traces = probes.Length,
            ErrorTraces = probes.Length,
            CrossRegionTraces = probes.Count(p => p.Regions.Count > 1),
            SpansGenerated = probes.Sum(p => p.Spans),
            SpansSent = probes.Where(p => p.Acknowledged).Sum(p => p.Spans),
            Requests = first.Stats.Requests + (second?.Stats.Requests ?? 0),
            Probes = probes,
        };
    }

    private static IOtlpSender CreateSender(OtlpProtocol protocol, Uri endpoint)
    {
        var options = new OtlpSenderOptions { Endpoint = endpoint };
        return protocol == OtlpProtocol.Grpc ? new OtlpGrpcSender(options) : new OtlpHttpSender(options);
    }

    /// <summary>
    /// The ids of the probes of a seed, in sending order. The bench derives them too, so it can
    /// poll storage for the probes while the generator is still sending them.
    /// </summary>
    public static IReadOnlyList<(TraceId Trace, SpanId Root, SpanId Client, SpanId Remote)> Ids(long seed, int count)
    {
        var random = new Random(unchecked((int)seed ^ (int)(seed >> 32)));
        SpanId NextSpan() => new((ulong)random.NextInt64(1, long.MaxValue));
        var ids = new List<(TraceId, SpanId, SpanId, SpanId)>(count);
        for (var i = 0; i < count; i++)
        {
            ids.Add((new TraceId((ulong)random.NextInt64(1, long.MaxValue), (ulong)random.NextInt64(1, long.MaxValue)), NextSpan(), NextSpan(), NextSpan()));
        }
        return ids;
    }

    private static async Task<ProbeTrace> SendOneAsync(LoadGenRequest request, (TraceId Trace, SpanId Root, SpanId Client, SpanId Remote) id, IOtlpSender first, IOtlpSender second, CancellationToken cancellationToken)
    {
        var clock = SystemWorkloadClock.Instance;
        var t0 = clock.UnixNowNanos;
        var ms = 1_000_000UL;
        var (traceId, root, client, remote) = id;
        var skew = (long)(request.ProbeSkew.Ticks * 100);
        var firstHalf = Resource(request.ProbeRegion, "edge-router",
        [
            new SpanDetail
            {
                TraceId = traceId, SpanId = root, Name = "GET /bench/probe", Kind = SpanKind.Server,
                StartUnixNano = t0, EndUnixNano = t0 + (40 * ms), StatusCode = SpanStatusCode.Error, StatusMessage = "probe",
                Attributes = [new("http.response.status_code", AttributeValue.FromInt(500)), new("http.route", AttributeValue.FromString("/bench/probe"))],
            },
            new SpanDetail
            {
                TraceId = traceId, SpanId = client, ParentSpanId = root, Name = "fetch origin", Kind = SpanKind.Client,
                StartUnixNano = t0 + (5 * ms), EndUnixNano = t0 + (35 * ms),
            },
        ]);
        var secondHalf = Resource(request.ProbeSecondRegion, "origin",
        [
            new SpanDetail
            {
                TraceId = traceId, SpanId = remote, ParentSpanId = client, Name = "GET /origin", Kind = SpanKind.Server,
                StartUnixNano = (ulong)((long)(t0 + (10 * ms)) + skew), EndUnixNano = (ulong)((long)(t0 + (30 * ms)) + skew),
                StatusCode = SpanStatusCode.Error,
            },
        ]);
        var regions = request.ProbeRegion == request.ProbeSecondRegion ? new[] { request.ProbeRegion } : new[] { request.ProbeRegion, request.ProbeSecondRegion };
        var firstSent = (long)clock.UnixNowNanos;
        bool ok;
        if (request.ProbeDelay <= TimeSpan.Zero && ReferenceEquals(first, second))
        {
            ok = (await first.SendAsync(OtlpEncoder.EncodeRequest([firstHalf, secondHalf]), cancellationToken).ConfigureAwait(false)).Success;
        }
        else
        {
            ok = (await first.SendAsync(OtlpEncoder.EncodeRequest([firstHalf]), cancellationToken).ConfigureAwait(false)).Success;
            await Task.Delay(request.ProbeDelay, cancellationToken).ConfigureAwait(false);
            ok &= (await second.SendAsync(OtlpEncoder.EncodeRequest([secondHalf]), cancellationToken).ConfigureAwait(false)).Success;
        }
        return new ProbeTrace(traceId.ToHex(), 3, regions, firstSent, (long)clock.UnixNowNanos, ok);
    }

    private static ResourceSpansDetail Resource(string region, string service, IReadOnlyList<SpanDetail> spans) =>
        new(
            [new(OtlpTraceDecoder.ServiceNameKey, AttributeValue.FromString(service)), new(OtlpTraceDecoder.CloudRegionKey, AttributeValue.FromString(region))],
            [new ScopeSpansDetail(Scope, spans)]);
}
