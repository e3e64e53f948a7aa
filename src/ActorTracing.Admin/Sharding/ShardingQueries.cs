using System.Globalization;
using Akka.Actor;
using Akka.Cluster.Sharding;

namespace ActorTracing.Admin;

/// <summary>
/// `cluster-sharding regions|region-stats|shard-stats`. shard-stats fans out itself instead of
/// asking the coordinator (GetClusterShardingStats): the coordinator's answer is all-or-nothing
/// (one silent region can empty the whole reply, and its absence is indistinguishable from "no
/// shards"), while an operator needs the members that did answer plus the names of those that did
/// not. So: the coordinator's registered regions (GetCurrentRegions), then Akka's own
/// GetShardRegionStats to each of them in parallel, each bounded by the ask timeout.
/// </summary>
internal sealed class ShardingQueries(ActorSystem system, TimeSpan askTimeout)
{
    public AdminResponses.Regions List()
    {
        var sharding = ClusterSharding.Get(system);
        var types = sharding.ShardTypeNames
            .Order(StringComparer.Ordinal)
            .Select(t => new AdminResponses.Region(t, sharding.ShardRegion(t).Path.ToStringWithoutAddress()))
            .ToArray();
        return new AdminResponses.Regions(types);
    }

    public async Task<AdminResponses.RegionStats> RegionStatsAsync(string? typeName, CancellationToken cancellationToken)
    {
        var region = Region(typeName);
        var self = Akka.Cluster.Cluster.Get(system).SelfAddress;
        try
        {
            var stats = await region.Ask<ShardRegionStats>(GetShardRegionStats.Instance, askTimeout, cancellationToken).ConfigureAwait(false);
            return ToView(typeName!, self, stats);
        }
        catch (AskTimeoutException)
        {
            throw AdminRequestException.Unavailable($"the local '{typeName}' region did not answer within {Seconds(askTimeout)}");
        }
    }

    public async Task<AdminResponses.ShardStats> ShardStatsAsync(string? typeName, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var region = Region(typeName);
        var wait = timeout ?? askTimeout;
        CurrentRegions current;
        try
        {
            current = await region.Ask<CurrentRegions>(GetCurrentRegions.Instance, wait, cancellationToken).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            throw AdminRequestException.Unavailable($"the '{typeName}' shard coordinator did not answer within {Seconds(wait)}");
        }

        // Every region of a type lives at the same path on its node (/system/sharding/<type>).
        var elements = region.Path.Elements;
        var addresses = current.Regions.OrderBy(a => a.ToString(), StringComparer.Ordinal).ToArray();
        var asks = addresses.Select(async address =>
        {
            var path = elements.Aggregate((ActorPath)new RootActorPath(address), (p, e) => p / e);
            try
            {
                var stats = await system.ActorSelection(path).Ask<ShardRegionStats>(GetShardRegionStats.Instance, wait, cancellationToken).ConfigureAwait(false);
                return (Address: address, Stats: (ShardRegionStats?)stats);
            }
            catch (AskTimeoutException)
            {
                return (Address: address, Stats: null);
            }
        }).ToArray();
        var results = await Task.WhenAll(asks).ConfigureAwait(false);

        var failed = results.Where(r => r.Stats is null).Select(r => r.Address.ToString()).ToArray();
        var members = results.Where(r => r.Stats is not null).Select(r => ToView(typeName!, r.Address, r.Stats!)).ToArray();
        var summary = string.Create(CultureInfo.InvariantCulture, $"Queried {addresses.Length} nodes: {members.Length} responsive, {failed.Length} failed after {Seconds(wait)}");
        return new AdminResponses.ShardStats(typeName!, addresses.Length, members.Length, failed, wait.TotalSeconds, summary, members);
    }

    /// <summary>The local region (or proxy) of a type, or a 404 naming the known types.</summary>
    private IActorRef Region(string? typeName)
    {
        if (string.IsNullOrWhiteSpace(typeName))
        {
            throw AdminRequestException.BadRequest("a shard type is required (-r <type>; see `cluster-sharding regions`)");
        }
        var sharding = ClusterSharding.Get(system);
        if (!sharding.ShardTypeNames.Contains(typeName))
        {
            var known = string.Join(", ", sharding.ShardTypeNames.Order(StringComparer.Ordinal));
            throw AdminRequestException.NotFound($"no shard region of type '{typeName}' on this node (known: {(known.Length == 0 ? "none" : known)})");
        }
        return sharding.ShardRegion(typeName);
    }

    private static AdminResponses.RegionStats ToView(string typeName, Address node, ShardRegionStats stats) => new(
        typeName,
        node.ToString(),
        stats.Stats.Values.Sum(),
        stats.Stats.OrderBy(s => s.Key, ShardIdComparer.Instance).Select(s => new AdminResponses.ShardCount(s.Key, s.Value)).ToArray(),
        stats.Failed.Order(ShardIdComparer.Instance).ToArray());

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";

    /// <summary>Numeric shard ids ("2" before "10"), others after them in ordinal order.</summary>
    private sealed class ShardIdComparer : IComparer<string>
    {
        public static readonly ShardIdComparer Instance = new();

        public int Compare(string? x, string? y)
        {
            var xn = int.TryParse(x, NumberStyles.None, CultureInfo.InvariantCulture, out var xi);
            var yn = int.TryParse(y, NumberStyles.None, CultureInfo.InvariantCulture, out var yi);
            return (xn, yn) switch
            {
                (true, true) => xi.CompareTo(yi),
                (true, false) => -1,
                (false, true) => 1,
                _ => string.CompareOrdinal(x, y),
            };
        }
    }
}
