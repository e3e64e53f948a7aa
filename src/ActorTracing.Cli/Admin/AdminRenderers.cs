using System.Globalization;
using System.Text.Json;

namespace ActorTracing.Cli.Admin;

/// <summary>
/// Human output of each command, from the endpoint's JSON (read by name, so a newer node's extra
/// fields are ignored rather than breaking an older client).
/// </summary>
public static class AdminRenderers
{
    public static void ClusterShow(JsonElement e, TextWriter o)
    {
        var table = new TextTable("ADDRESS", "STATUS", "REACHABLE", "REGION", "ROLES", "");
        var members = Items(e, "members").ToArray();
        foreach (var m in members)
        {
            var notes = new List<string>();
            if (Bool(m, "isLeader"))
            {
                notes.Add("leader");
            }
            if (Bool(m, "isSelf"))
            {
                notes.Add("self");
            }
            table.Add(Str(m, "address"), Str(m, "status"), Bool(m, "reachable") ? "yes" : "NO", Str(m, "region", "-"), string.Join(",", Items(m, "roles").Select(r => r.GetString())), string.Join(", ", notes));
        }
        table.WriteTo(o);
        var unreachable = members.Count(m => !Bool(m, "reachable"));
        o.WriteLine($"{members.Length} member(s), {unreachable} unreachable; leader {Str(e, "leader", "(none)")}");
    }

    public static void ClusterAction(JsonElement e, TextWriter o)
    {
        o.WriteLine(Str(e, "message"));
        foreach (var a in Items(e, "addresses"))
        {
            o.WriteLine("  " + a.GetString());
        }
    }

    public static void Regions(JsonElement e, TextWriter o)
    {
        var table = new TextTable("TYPE", "REGION");
        foreach (var r in Items(e, "types"))
        {
            table.Add(Str(r, "typeName"), Str(r, "path"));
        }
        if (table.Count == 0)
        {
            o.WriteLine("no shard regions on this node");
            return;
        }
        table.WriteTo(o);
    }

    public static void RegionStats(JsonElement e, TextWriter o)
    {
        var shards = Items(e, "shards").ToArray();
        o.WriteLine($"{Str(e, "typeName")} on {Str(e, "node")}: {Int(e, "entities")} entities in {shards.Length} shards");
        var table = new TextTable("SHARD", "ENTITIES").RightAlign(1);
        foreach (var s in shards)
        {
            table.Add(Str(s, "shardId"), Int(s, "entities"));
        }
        table.WriteTo(o);
        WriteFailedShards(e, o);
    }

    public static void ShardStats(JsonElement e, TextWriter o)
    {
        o.WriteLine(Str(e, "summary"));
        var table = new TextTable("NODE", "SHARDS", "ENTITIES", "FAILED SHARDS").RightAlign(1, 2);
        foreach (var m in Items(e, "members"))
        {
            var failed = Items(m, "failedShards").Select(f => f.GetString()).ToArray();
            table.Add(Str(m, "node"), Items(m, "shards").Count().ToString(CultureInfo.InvariantCulture), Int(m, "entities"), failed.Length == 0 ? "-" : string.Join(",", failed));
        }
        foreach (var f in Items(e, "failed"))
        {
            table.Add(f.GetString() ?? "?", "?", "?", "no reply");
        }
        table.WriteTo(o);
    }

    public static void Hierarchy(JsonElement e, TextWriter o)
    {
        o.WriteLine($"{Str(e, "path")} ({Str(e, "type")})");
        WriteChildren(e, o, string.Empty);
    }

    public static void Trace(JsonElement e, TextWriter o)
    {
        var table = new TextTable("FIELD", "VALUE");
        table.Add("trace", Str(e, "traceId"));
        table.Add("state", Str(e, "state"));
        var state = Str(e, "state");
        if (state == "in-flight")
        {
            table.Add("spans buffered", $"{Int(e, "spansBuffered")} ({Bytes(Long(e, "bytesBuffered"))})");
            table.Add("root seen", Bool(e, "rootSeen") ? "yes" : "no");
            table.Add("regions", JoinOr(Items(e, "regions"), "-"));
            table.Add("next check in", e.TryGetProperty("nextCheckInSeconds", out var n) && n.ValueKind == JsonValueKind.Number ? Seconds(n.GetDouble()) : "-");
        }
        else if (state == "decided")
        {
            var keep = Bool(e, "keep");
            table.Add("decision", keep ? "kept" : "dropped");
            table.Add("reason", Str(e, "reason"));
            table.Add("sample rate", keep ? $"1 in {Str(e, "sampleRate")}" : "0 (dropped)");
            table.Add("completed by", Str(e, "completionReason", "-"));
            table.Add("answered by", Str(e, "source"));
        }
        else
        {
            table.Add("note", "not buffered, and not in the decision cache of the node that owns it");
        }
        WriteKeyValues(table, o);
    }

    public static void Sampling(JsonElement e, TextWriter o)
    {
        var summary = new TextTable("FIELD", "VALUE");
        summary.Add("node", Str(e, "node"));
        summary.Add("spans received", Int(e, "spansReceived"));
        summary.Add("buffered", $"{Int(e, "tracesBuffered")} traces, {Int(e, "spansBuffered")} spans, {Bytes(Long(e, "bytesBuffered"))}");
        summary.Add("traces decided", Int(e, "tracesDecided"));
        summary.Add("traces kept", $"{Int(e, "tracesKept")} ({Percent(Double(e, "keepRate"))})");
        summary.Add("spans kept", Int(e, "spansKept"));
        summary.Add("late spans", Int(e, "lateSpans"));
        summary.Add("mean decision latency", Seconds(Double(e, "meanDecisionLatencySeconds")));
        WriteKeyValues(summary, o);
        o.WriteLine();
        var reasons = new TextTable("REASON", "KEPT", "DROPPED", "EFFECTIVE RATE").RightAlign(1, 2, 3);
        foreach (var r in Items(e, "reasons"))
        {
            reasons.Add(Str(r, "reason"), Int(r, "kept"), Int(r, "dropped"), Percent(Double(r, "effectiveRate")));
        }
        reasons.WriteTo(o);
        o.WriteLine();
        var completed = new TextTable("COMPLETED BY", "TRACES").RightAlign(1);
        foreach (var c in Items(e, "completedBy"))
        {
            completed.Add(Str(c, "name"), Int(c, "count"));
        }
        completed.WriteTo(o);
    }

    public static void Storage(JsonElement e, TextWriter o)
    {
        o.WriteLine($"storage of {Str(e, "node")}");
        var table = new TextTable("SHARD", "ROWS", "ON DISK", "COMPRESSION", "PENDING", "BATCHES", "MEAN BATCH", "MEAN WRITE", "LAST WRITE", "RETRIES", "FAILURES")
            .RightAlign(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        var notes = new List<string>();
        foreach (var s in Items(e, "shards"))
        {
            var hasStats = s.TryGetProperty("rows", out var rows) && rows.ValueKind == JsonValueKind.Number;
            table.Add(
                Str(s, "shard"),
                hasStats ? Int(s, "rows") : "?",
                hasStats ? Bytes(Long(s, "bytesOnDisk")) : "?",
                hasStats ? Double(s, "compressionRatio").ToString("0.0", CultureInfo.InvariantCulture) + "x" : "?",
                Int(s, "pendingRows"),
                Int(s, "batchesWritten"),
                Double(s, "meanBatchRows").ToString("0", CultureInfo.InvariantCulture),
                Seconds(Double(s, "meanWriteSeconds")),
                Seconds(Double(s, "lastWriteSeconds")),
                Int(s, "writeRetries"),
                Int(s, "failedAttempts"));
            if (s.TryGetProperty("statsError", out var se) && se.ValueKind == JsonValueKind.String)
            {
                notes.Add($"{Str(s, "shard")}: table statistics unavailable: {se.GetString()}");
            }
            if (s.TryGetProperty("lastError", out var le) && le.ValueKind == JsonValueKind.String)
            {
                notes.Add($"{Str(s, "shard")}: last write error: {le.GetString()}");
            }
        }
        table.WriteTo(o);
        foreach (var n in notes)
        {
            o.WriteLine(n);
        }
    }

    internal static string Str(JsonElement e, string name, string missing = "") =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null
            ? v.ValueKind == JsonValueKind.String ? v.GetString() ?? missing : v.GetRawText()
            : missing;

    private static void WriteChildren(JsonElement node, TextWriter o, string indent)
    {
        var children = Items(node, "children").ToArray();
        var omitted = Int32(node, "omitted");
        for (var i = 0; i < children.Length; i++)
        {
            var last = i == children.Length - 1 && omitted == 0;
            var c = children[i];
            var count = Int32(c, "childCount");
            var suffix = count > 0 && !Items(c, "children").Any() ? $" [{count} children]" : string.Empty;
            o.WriteLine($"{indent}{(last ? "└─ " : "├─ ")}{Str(c, "name")} ({Str(c, "type")}){suffix}");
            WriteChildren(c, o, indent + (last ? "   " : "│  "));
        }
        if (omitted > 0 && children.Length > 0)
        {
            o.WriteLine($"{indent}└─ ... {omitted} more");
        }
    }

    private static void WriteFailedShards(JsonElement e, TextWriter o)
    {
        var failed = Items(e, "failedShards").Select(f => f.GetString()).ToArray();
        if (failed.Length > 0)
        {
            o.WriteLine($"shards that did not answer: {string.Join(", ", failed)}");
        }
    }

    private static void WriteKeyValues(TextTable table, TextWriter o)
    {
        // Key/value tables print without their header row: "FIELD VALUE" says nothing.
        using var buffer = new StringWriter(CultureInfo.InvariantCulture);
        table.WriteTo(buffer);
        foreach (var line in buffer.ToString().Split('\n').Skip(1).Where(l => l.Length > 0))
        {
            o.WriteLine(line.TrimEnd('\r'));
        }
    }

    private static IEnumerable<JsonElement> Items(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray() : [];

    private static bool Bool(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    private static long Long(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;

    private static int Int32(JsonElement e, string name) => (int)Long(e, name);

    private static string Int(JsonElement e, string name) => Long(e, name).ToString("N0", CultureInfo.InvariantCulture);

    private static double Double(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : 0;

    private static string JoinOr(IEnumerable<JsonElement> items, string empty)
    {
        var s = string.Join(", ", items.Select(i => i.GetString()).Where(i => !string.IsNullOrEmpty(i)));
        return s.Length == 0 ? empty : s;
    }

    private static string Percent(double ratio) => (ratio * 100).ToString("0.##", CultureInfo.InvariantCulture) + "%";

    private static string Seconds(double seconds) => seconds < 1
        ? (seconds * 1000).ToString("0.#", CultureInfo.InvariantCulture) + "ms"
        : seconds.ToString("0.##", CultureInfo.InvariantCulture) + "s";

    private static string Bytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes} B" : value.ToString("0.#", CultureInfo.InvariantCulture) + " " + units[unit];
    }
}
