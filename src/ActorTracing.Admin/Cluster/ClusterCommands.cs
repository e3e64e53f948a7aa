using Akka.Actor;

namespace ActorTracing.Admin;

/// <summary>
/// `cluster show|join|leave|down|down-unreachable`. Membership changes go through the local
/// Cluster extension, which gossips them: the node that receives the command acts for the whole
/// cluster, as pbm's cluster palette does.
/// </summary>
internal sealed class ClusterCommands(ActorSystem system)
{
    private const string RegionRolePrefix = "region-";

    private Akka.Cluster.Cluster Cluster => Akka.Cluster.Cluster.Get(system);

    public AdminResponses.ClusterView Show()
    {
        var cluster = Cluster;
        var state = cluster.State;
        var unreachable = state.Unreachable.Select(m => m.Address).ToHashSet();
        var members = state.Members
            .Concat(state.Unreachable.Where(u => !state.Members.Contains(u)))
            .OrderBy(m => m.Address.ToString(), StringComparer.Ordinal)
            .Select(m => new AdminResponses.Member(
                m.Address.ToString(),
                m.Status.ToString(),
                m.Roles.Order(StringComparer.Ordinal).ToArray(),
                m.Roles.FirstOrDefault(r => r.StartsWith(RegionRolePrefix, StringComparison.Ordinal))?[RegionRolePrefix.Length..],
                !unreachable.Contains(m.Address),
                m.Address.Equals(state.Leader),
                m.Address.Equals(cluster.SelfAddress)))
            .ToArray();
        return new AdminResponses.ClusterView(cluster.SelfAddress.ToString(), state.Leader?.ToString(), members);
    }

    public AdminResponses.ClusterAction Join(string? address)
    {
        var target = ParseAddress(address);
        Cluster.Join(target);
        return new AdminResponses.ClusterAction("join", [target.ToString()], $"{Cluster.SelfAddress} is joining the cluster of {target}");
    }

    public AdminResponses.ClusterAction Leave(string? address)
    {
        var target = KnownMember(address);
        Cluster.Leave(target);
        return new AdminResponses.ClusterAction("leave", [target.ToString()], $"{target} is leaving: its shards hand off and its traces are decided first");
    }

    public AdminResponses.ClusterAction Down(string? address)
    {
        var target = KnownMember(address);
        Cluster.Down(target);
        return new AdminResponses.ClusterAction("down", [target.ToString()], $"{target} marked down: its shards move without hand-off");
    }

    public AdminResponses.ClusterAction DownUnreachable()
    {
        var cluster = Cluster;
        var targets = cluster.State.Unreachable.Select(m => m.Address).OrderBy(a => a.ToString(), StringComparer.Ordinal).ToArray();
        foreach (var target in targets)
        {
            cluster.Down(target);
        }
        return new AdminResponses.ClusterAction(
            "down-unreachable",
            targets.Select(a => a.ToString()).ToArray(),
            targets.Length == 0 ? "no unreachable members" : $"{targets.Length} unreachable member(s) marked down");
    }

    private Address KnownMember(string? address)
    {
        var target = ParseAddress(address);
        var state = Cluster.State;
        if (!state.Members.Any(m => m.Address.Equals(target)) && !state.Unreachable.Any(m => m.Address.Equals(target)))
        {
            throw AdminRequestException.NotFound($"{target} is not a member of this cluster (see `cluster show`)");
        }
        return target;
    }

    private static Address ParseAddress(string? address)
    {
        if (string.IsNullOrWhiteSpace(address))
        {
            throw AdminRequestException.BadRequest("an address is required, like akka.tcp://actortracing@10.0.0.5:4053");
        }
        try
        {
            var parsed = Address.Parse(address.Trim());
            if (parsed.Host is null || parsed.Port is null)
            {
                throw AdminRequestException.BadRequest($"'{address}' has no host:port; expected akka.tcp://system@host:port");
            }
            return parsed;
        }
        catch (Exception e) when (e is UriFormatException or FormatException or ArgumentException)
        {
            throw AdminRequestException.BadRequest($"'{address}' is not an actor system address; expected akka.tcp://system@host:port");
        }
    }
}
