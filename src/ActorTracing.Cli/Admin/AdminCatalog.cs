using System.Globalization;

namespace ActorTracing.Cli.Admin;

/// <summary>
/// Every admin command, in Petabridge.Cmd's vocabulary (palette, command, switches): the one
/// list the parser, the help text and tab completion read, so they cannot disagree.
/// </summary>
public static class AdminCatalog
{
    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(10);

    public static IReadOnlyList<AdminCommand> Commands { get; } =
    [
        new("cluster", "show", "members: address, status, reachability, region, roles, leader", [], [],
            _ => Get("/v1/cluster"), AdminRenderers.ClusterShow),
        new("cluster", "join", "make this node join the cluster at <address>", ["address"], [],
            c => Post("/v1/cluster/join", ("address", c.Arguments[0])), AdminRenderers.ClusterAction),
        new("cluster", "leave", "make <address> leave gracefully (hand-off, traces decided first)", ["address"], [],
            c => Post("/v1/cluster/leave", ("address", c.Arguments[0])), AdminRenderers.ClusterAction,
            c => $"{c.Arguments[0]} will leave the cluster; its shards move to other nodes."),
        new("cluster", "down", "mark <address> down: it is removed without hand-off", ["address"], [],
            c => Post("/v1/cluster/down", ("address", c.Arguments[0])), AdminRenderers.ClusterAction,
            c => $"{c.Arguments[0]} will be marked DOWN: removed without hand-off, its buffered traces are lost."),
        new("cluster", "down-unreachable", "mark every unreachable member down", [], [],
            _ => Post("/v1/cluster/down-unreachable"), AdminRenderers.ClusterAction,
            _ => "Every member this node sees as unreachable will be marked DOWN."),
        new("cluster-sharding", "regions", "shard types with a region on this node", [], [],
            _ => Get("/v1/sharding/regions"), AdminRenderers.Regions),
        new("cluster-sharding", "region-stats", "shards and entities of this node's region", [], ["type"],
            c => Get("/v1/sharding/region-stats", ("type", Required(c, "type"))), AdminRenderers.RegionStats),
        new("cluster-sharding", "shard-stats", "shards and entities of every node (partial if some do not answer)", [], ["type", "timeout"],
            ShardStats, AdminRenderers.ShardStats),
        new("actor", "hierarchy", "this node's actor tree (default -s /user -d 3)", [], ["path", "depth"],
            c => Get("/v1/actors/hierarchy", ("path", c.Switches.GetValueOrDefault("path")), ("depth", Depth(c))), AdminRenderers.Hierarchy),
        new("trace", "show", "a trace's state: in flight (buffered, regions, next check) or its decision", ["traceId"], [],
            c => Get("/v1/traces/" + Uri.EscapeDataString(c.Arguments[0])), AdminRenderers.Trace),
        new("sampling", "stats", "kept/dropped by reason, effective rates, late spans (this node)", [], [],
            _ => Get("/v1/sampling/stats"), AdminRenderers.Sampling),
        new("storage", "stats", "rows, bytes, compression, write latency, pending rows (this node)", [], [],
            _ => Get("/v1/storage/stats"), AdminRenderers.Storage),
    ];

    public static IReadOnlyList<string> Palettes { get; } = Commands.Select(c => c.Palette).Distinct().ToArray();

    /// <summary>Words the prompt understands besides commands.</summary>
    public static IReadOnlyList<string> PromptWords { get; } = ["help", "exit", "quit"];

    public static string Help => "commands:\n" + string.Join("\n", Commands.Select(c => $"  {c.Usage,-58} {c.Summary}"))
        + "\nglobal switches: --json (raw JSON)  --token <t> (or $ACTORTRACING_ADMIN_TOKEN)  --yes (skip confirmation)";

    /// <exception cref="AdminUsageException">No such palette or command, or the wrong arguments.</exception>
    public static AdminCommand Resolve(AdminCommandLine line)
    {
        if (line.Palette is null)
        {
            throw new AdminUsageException("a command is required\n" + Help);
        }
        var palette = Commands.Where(c => c.Palette == line.Palette).ToArray();
        if (palette.Length == 0)
        {
            throw new AdminUsageException($"unknown palette '{line.Palette}' (palettes: {string.Join(", ", Palettes)})");
        }
        var command = palette.FirstOrDefault(c => c.Name == line.Command)
            ?? throw new AdminUsageException(line.Command is null
                ? $"{line.Palette}: a command is required ({string.Join(", ", palette.Select(c => c.Name))})"
                : $"unknown command '{line.Palette} {line.Command}' ({line.Palette} has: {string.Join(", ", palette.Select(c => c.Name))})");
        if (line.Arguments.Count != command.Arguments.Count)
        {
            throw new AdminUsageException($"usage: {command.Usage}");
        }
        var unknown = line.Switches.Keys.Where(k => k != "token" && !command.Switches.Contains(k)).ToArray();
        if (unknown.Length > 0)
        {
            throw new AdminUsageException($"{command.Palette} {command.Name} takes no {string.Join(", ", unknown.Select(u => "--" + u))}; usage: {command.Usage}");
        }
        return command;
    }

    /// <summary>
    /// Tab completion: candidates for the last (partial) word of <paramref name="line"/> — a
    /// palette, then one of its commands, then one of that command's switches.
    /// </summary>
    public static IReadOnlyList<string> Complete(string line)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        var partial = line.Length == 0 || line.EndsWith(' ') ? string.Empty : words[^1];
        if (partial.Length > 0)
        {
            words.RemoveAt(words.Count - 1);
        }
        IEnumerable<string> candidates = words.Count switch
        {
            0 => Palettes.Concat(PromptWords),
            1 => Commands.Where(c => c.Palette == words[0]).Select(c => c.Name),
            _ => Commands.FirstOrDefault(c => c.Palette == words[0] && c.Name == words[1]) is { } cmd
                ? cmd.Switches.Select(s => s switch { "type" => "-r", "path" => "-s", "depth" => "-d", "timeout" => "-t", _ => "--" + s })
                    .Append("--json").Concat(cmd.Destructive ? ["--yes"] : [])
                : [],
        };
        return candidates.Where(c => c.StartsWith(partial, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();
    }

    private static AdminRequest ShardStats(AdminCommandLine c)
    {
        var type = Required(c, "type");
        var timeout = c.Switches.GetValueOrDefault("timeout");
        if (timeout is null)
        {
            return Get("/v1/sharding/shard-stats", ("type", type));
        }
        var seconds = ParseSeconds(timeout);
        return Get("/v1/sharding/shard-stats", ("type", type), ("timeout", seconds.ToString("R", CultureInfo.InvariantCulture))) with
        {
            Wait = TimeSpan.FromSeconds(seconds) + DefaultWait,
        };
    }

    private static double ParseSeconds(string value)
    {
        var s = value.Trim();
        var (unit, scale) = s.EndsWith("ms", StringComparison.Ordinal) ? ("ms", 0.001) : s.EndsWith('s') ? ("s", 1.0) : (string.Empty, 1.0);
        s = s[..^unit.Length];
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v * scale is > 0 and <= 300
            ? v * scale
            : throw new AdminUsageException($"-t: '{value}' is not a timeout (examples: 3, 3s, 500ms; at most 300s)");
    }

    private static string? Depth(AdminCommandLine c)
    {
        var d = c.Switches.GetValueOrDefault("depth");
        return d is null || (int.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v <= 20)
            ? d
            : throw new AdminUsageException($"-d: '{d}' is not a depth (0-20)");
    }

    private static string Required(AdminCommandLine c, string name) =>
        c.Switches.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v)
            ? v
            : throw new AdminUsageException($"{c.Palette} {c.Command} needs -r <type> (see `cluster-sharding regions`)");

    private static AdminRequest Get(string path, params (string Name, string? Value)[] query) => new(HttpMethod.Get, path + Query(query), DefaultWait);

    private static AdminRequest Post(string path, params (string Name, string? Value)[] query) => new(HttpMethod.Post, path + Query(query), DefaultWait);

    private static string Query((string Name, string? Value)[] query)
    {
        var parts = query.Where(q => q.Value is not null).Select(q => q.Name + "=" + Uri.EscapeDataString(q.Value!)).ToArray();
        return parts.Length == 0 ? string.Empty : "?" + string.Join("&", parts);
    }
}
