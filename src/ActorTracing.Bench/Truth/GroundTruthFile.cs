using System.Globalization;
using System.Text;
using ActorTracing.Domain;
using ActorTracing.Workload;

namespace ActorTracing.Bench;

/// <summary>
/// The generator's ground truth as tab-separated lines (trace_id, category, spans, error, slow,
/// cross_region; 0/1 flags, no header), so the bench can load it into the embedded engine with
/// one TabSeparated insert and join it against the stored rows in SQL.
/// </summary>
public static class GroundTruthFile
{
    /// <summary>The column list matching the file, for a ClickHouse table the file is inserted into.</summary>
    public const string Columns = "TraceId String, Category String, Spans UInt32, IsError UInt8, IsSlow UInt8, IsCrossRegion UInt8";

    public static void Write(string path, GroundTruthBuffer traces)
    {
        ArgumentNullException.ThrowIfNull(traces);
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false), 1 << 16);
        foreach (var line in traces.Lines())
        {
            writer.Write(line);
            writer.Write('\n');
        }
    }

    public static string Format(TraceId traceId, TraceCategory category, int spans, bool isError, bool isSlow, bool isCrossRegion) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"{traceId.ToHex()}\t{CategoryName(category)}\t{spans}\t{Flag(isError)}\t{Flag(isSlow)}\t{Flag(isCrossRegion)}");

    public static GroundTruthRecord Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var f = line.Split('\t');
        if (f.Length != 6)
        {
            throw new FormatException($"ground truth line has {f.Length} fields, expected 6: '{line}'");
        }
        return new GroundTruthRecord(f[0], f[1], int.Parse(f[2], CultureInfo.InvariantCulture), f[3] == "1", f[4] == "1", f[5] == "1");
    }

    public static IEnumerable<GroundTruthRecord> Read(string path) =>
        File.ReadLines(path).Where(l => l.Length > 0).Select(Parse);

    public static string CategoryName(TraceCategory category) => category switch
    {
        TraceCategory.Api => "api",
        TraceCategory.Static => "static",
        TraceCategory.EdgeFunction => "edge-function",
        TraceCategory.HealthCheck => "health-check",
        _ => category.ToString(),
    };

    private static char Flag(bool value) => value ? '1' : '0';
}
