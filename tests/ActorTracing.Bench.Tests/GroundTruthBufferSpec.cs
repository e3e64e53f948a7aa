using ActorTracing.Domain;
using ActorTracing.Workload;

namespace ActorTracing.Bench.Tests;

public sealed class GroundTruthBufferSpec
{
    [Fact]
    public void Every_trace_comes_back_in_order_across_chunk_boundaries()
    {
        var categories = Enum.GetValues<TraceCategory>();
        var truths = Enumerable.Range(0, GroundTruthBuffer.ChunkRows + 3)
            .Select(i => new TraceGroundTruth(
                new TraceId((ulong)i + 1, ~(ulong)i), new SpanId(1), categories[i % categories.Length], "iad",
                i % 5 == 0 ? ["iad", "fra"] : ["iad"], 1 + (i % 7), i % 2 == 0, i % 3 == 0, 1_000, 0, TimeSpan.Zero))
            .ToArray();
        var buffer = new GroundTruthBuffer();
        foreach (var t in truths)
        {
            buffer.Add(t);
        }
        var path = Path.Combine(Path.GetTempPath(), $"at-truth-{Guid.NewGuid():N}.tsv");
        try
        {
            GroundTruthFile.Write(path, buffer);

            Assert.Equal(truths.Length, buffer.Count);
            Assert.Equal(truths.Select(t => GroundTruthFile.Parse(GroundTruthFile.Format(t.TraceId, t.Category, t.SpanCount, t.IsError, t.IsSlow, t.IsCrossRegion))), GroundTruthFile.Read(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
