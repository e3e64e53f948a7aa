using ActorTracing.Domain;
using ActorTracing.Workload;

namespace ActorTracing.Bench;

/// <summary>
/// The ground truth of a load run, held until the run is over (<see cref="GroundTruthFile"/> is
/// written then, so disk I/O never paces the schedule) as rows of plain values in chunks.
/// </summary>
/// <remarks>
/// It was a list of the generator's truth records: ~1M objects in a 30 s run at 120k spans/s, all
/// alive to the end, so every young GC of the generator promoted them and its gen1/gen2 pauses
/// grew to 60–108 ms in that run — delays of its sends that an open-loop latency counts against
/// the node. A row here holds no reference, and a chunk of them is one array the GC never traces.
/// </remarks>
public sealed class GroundTruthBuffer
{
    /// <summary>Rows per chunk: 32,768 × 24 B, one large-object array each.</summary>
    internal const int ChunkRows = 1 << 15;

    private const byte Error = 1;
    private const byte Slow = 2;
    private const byte CrossRegion = 4;

    private readonly List<Row[]> _chunks = [];

    public int Count { get; private set; }

    /// <summary>Called on the generator's producer thread for every trace; one struct copy.</summary>
    public void Add(TraceGroundTruth truth)
    {
        ArgumentNullException.ThrowIfNull(truth);
        var slot = Count % ChunkRows;
        if (slot == 0)
        {
            _chunks.Add(new Row[ChunkRows]);
        }
        var flags = (byte)((truth.IsError ? Error : 0) | (truth.IsSlow ? Slow : 0) | (truth.IsCrossRegion ? CrossRegion : 0));
        _chunks[^1][slot] = new Row(truth.TraceId, truth.SpanCount, truth.Category, flags);
        Count++;
    }

    /// <summary>The rows in the order they were added, as the file's lines.</summary>
    public IEnumerable<string> Lines()
    {
        for (var i = 0; i < Count; i++)
        {
            var row = _chunks[i / ChunkRows][i % ChunkRows];
            yield return GroundTruthFile.Format(row.TraceId, row.Category, row.Spans, (row.Flags & Error) != 0, (row.Flags & Slow) != 0, (row.Flags & CrossRegion) != 0);
        }
    }

    private readonly record struct Row(TraceId TraceId, int Spans, TraceCategory Category, byte Flags);
}
