using System.Globalization;
using System.Text;
using ActorTracing.Storage;

namespace ActorTracing.Bench;

/// <summary>
/// The SQL both targets count stored traces with, on the embedded engine and on ClickHouse 18.16
/// alike. A few hundred ids go inline; more (a run's ground truth: thousands) go through a Memory
/// table, since 18.16 refuses statements over max_query_size (256 KiB).
/// </summary>
internal static class StoredTraceQuery
{
    public const int MaxInlineIds = 500;

    public static string Inline(string tracesTable, IEnumerable<string> traceIds) =>
        $"SELECT TraceId, count(), uniqExact(SpanId) FROM {tracesTable} WHERE TraceId IN ({string.Join(',', traceIds.Select(ClickHouseSql.Quote))}) GROUP BY TraceId";

    public static string ViaTable(string tracesTable, string idsTable) =>
        $"SELECT TraceId, count(), uniqExact(SpanId) FROM {tracesTable} WHERE TraceId IN (SELECT TraceId FROM {idsTable}) GROUP BY TraceId";

    public static string CreateIdsTable(string idsTable) => $"CREATE TABLE {idsTable} (TraceId String) ENGINE = Memory";

    /// <summary>The ids as a TabSeparated body, one per line.</summary>
    public static byte[] IdsTsv(IEnumerable<string> traceIds)
    {
        var sb = new StringBuilder();
        foreach (var id in traceIds)
        {
            sb.Append(id).Append('\n');
        }
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>Adds each "TraceId, rows, distinct" line; a trace found on several shards adds up.</summary>
    public static void ParseInto(string tsv, Dictionary<string, StoredTrace> into)
    {
        foreach (var line in tsv.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split('\t');
            var rows = long.Parse(f[1], CultureInfo.InvariantCulture);
            var distinct = long.Parse(f[2], CultureInfo.InvariantCulture);
            into[f[0]] = into.TryGetValue(f[0], out var had) ? new StoredTrace(had.Rows + rows, had.DistinctSpans + distinct) : new StoredTrace(rows, distinct);
        }
    }
}
