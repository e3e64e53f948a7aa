using ActorTracing.Domain;

namespace ActorTracing.Storage;

/// <summary>
/// Encodes trace summaries as RowBinary rows of <c>otel_trace_summaries</c>, fields in the order of
/// <see cref="TraceSchema.SummaryInsertColumns"/>, into one reusable buffer per batch. A Nested
/// column is its parallel arrays, one after the other, all of the same length. Timestamp is the
/// trace's start: DateTime64(9) for <see cref="SchemaFlavor.Modern"/>, DateTime seconds for
/// <see cref="SchemaFlavor.Legacy"/> (the column the 18.16 reader expects). Not thread-safe: one
/// encoder belongs to one writer.
/// </summary>
public sealed class TraceSummaryRowEncoder
{
    private readonly RowBinaryWriter _writer;

    public TraceSummaryRowEncoder(int initialCapacity = 16 * 1024, SchemaFlavor flavor = SchemaFlavor.Modern)
    {
        if (!Enum.IsDefined(flavor))
        {
            throw new ArgumentOutOfRangeException(nameof(flavor), flavor, "Unknown schema flavor.");
        }
        _writer = new RowBinaryWriter(initialCapacity);
        Flavor = flavor;
    }

    public SchemaFlavor Flavor { get; }

    /// <summary>Rows appended since the last <see cref="Reset"/>.</summary>
    public int Rows { get; private set; }

    public ReadOnlyMemory<byte> Written => _writer.WrittenMemory;

    /// <summary>Starts a new batch, keeping the buffer's memory.</summary>
    public void Reset()
    {
        _writer.Reset();
        Rows = 0;
    }

    public void Append(StoredTraceSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var stitch = summary.Stitch;
        var w = _writer;

        // The order below IS TraceSchema.SummaryInsertColumns.
        _writer.WriteTraceId(summary.TraceId);
        // '' is the reader's "not joined with other traces".
        w.WriteString(summary.GroupId);
        if (Flavor == SchemaFlavor.Modern)
        {
            w.WriteDateTime64Nanos(stitch.StartUnixNano);
        }
        else
        {
            w.WriteDateTimeSeconds(stitch.StartUnixNano);
        }
        w.WriteUInt64(stitch.DurationNanos);
        w.WriteUInt32((uint)Math.Max(0, stitch.SpanCount));

        w.WriteVarUInt((ulong)stitch.Regions.Count);
        foreach (var region in stitch.Regions)
        {
            w.WriteString(region);
        }

        var edges = stitch.Edges;
        w.WriteVarUInt((ulong)edges.Count);
        foreach (var edge in edges)
        {
            _writer.WriteSpanId(edge.ParentSpanId);
        }
        w.WriteVarUInt((ulong)edges.Count);
        foreach (var edge in edges)
        {
            _writer.WriteSpanId(edge.SpanId);
        }
        w.WriteVarUInt((ulong)edges.Count);
        foreach (var edge in edges)
        {
            w.WriteString(edge.ParentRegion);
        }
        w.WriteVarUInt((ulong)edges.Count);
        foreach (var edge in edges)
        {
            w.WriteString(edge.Region);
        }
        w.WriteVarUInt((ulong)edges.Count);
        foreach (var edge in edges)
        {
            w.WriteInt64(edge.SkewNanos);
        }

        var lag = stitch.ArrivalLag;
        w.WriteVarUInt((ulong)lag.Count);
        foreach (var (region, _) in lag)
        {
            w.WriteString(region);
        }
        w.WriteVarUInt((ulong)lag.Count);
        foreach (var (_, delay) in lag)
        {
            w.WriteUInt32(LagMilliseconds(delay));
        }

        w.WriteInt64(stitch.MaxSkewNanos);
        w.WriteString(summary.CompletionReason);
        w.WriteString(summary.SamplingReason);
        w.WriteUInt32(summary.SampleRate);
        Rows++;
    }

    /// <summary>
    /// Whole milliseconds, truncated. Lag is measured between arrivals on one node's clock so it is
    /// never negative; a negative value (a clock step) is stored as 0 rather than wrapped.
    /// </summary>
    internal static uint LagMilliseconds(TimeSpan lag) =>
        lag <= TimeSpan.Zero ? 0 : (uint)Math.Min(lag.Ticks / TimeSpan.TicksPerMillisecond, uint.MaxValue);


}
