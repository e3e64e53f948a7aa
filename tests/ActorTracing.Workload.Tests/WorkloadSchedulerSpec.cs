using ActorTracing.Domain;
using ActorTracing.Workload;

namespace ActorTracing.Workload.Tests;

public sealed class WorkloadSchedulerSpec
{
    private const long Ms = 1_000_000;
    private const long Second = 1_000 * Ms;

    private static WorkloadScheduler Scheduler(double rate, int batchSpans = 100, int lingerMs = 200, Action<TraceGroundTruth>? onTrace = null) =>
        new(new EdgeTrafficModel(11), rate, batchSpans, TimeSpan.FromMilliseconds(lingerMs), ManualClock.Epoch, onTrace: onTrace);

    [Fact]
    public void One_second_of_schedule_generates_the_target_rate_and_no_more()
    {
        var scheduler = Scheduler(20_000);
        var ready = new List<WorkloadBatch>();

        for (var t = 0L; t <= Second; t += Ms)
        {
            scheduler.Advance(t, ready);
        }

        // Traces due at or before 1 s: the span total crosses 20 000 by less than one trace.
        Assert.InRange(scheduler.Counters.SpansGenerated, 20_000, 20_000 + EdgeTrafficModel.MaxSpansPerTrace);
        Assert.InRange(ready.Sum(b => b.SpanCount), 20_000 - 2_000, 20_000 + EdgeTrafficModel.MaxSpansPerTrace);
    }

    [Fact]
    public void Falling_behind_does_not_lower_the_rate_it_catches_up()
    {
        var steady = Scheduler(20_000);
        var late = Scheduler(20_000);
        var ready = new List<WorkloadBatch>();

        for (var t = 0L; t <= 2 * Second; t += Ms)
        {
            steady.Advance(t, ready);
        }
        late.Advance(2 * Second, ready, maxTraces: int.MaxValue);

        Assert.Equal(steady.Counters.SpansGenerated, late.Counters.SpansGenerated);
    }

    [Fact]
    public void Full_batches_hold_whole_traces_of_one_region_and_are_intended_when_they_filled()
    {
        var scheduler = Scheduler(50_000, batchSpans: 150);
        var ready = new List<WorkloadBatch>();
        var previousNow = 0L;
        for (var t = 0L; t <= Second; t += 5 * Ms)
        {
            var before = ready.Count;
            scheduler.Advance(t, ready);
            Assert.All(ready.Skip(before), b => Assert.InRange(b.IntendedNanos, previousNow - (200 * Ms), t));
            previousNow = t;
        }

        var full = ready.Where(b => b.SpanCount >= 150).ToList();
        Assert.NotEmpty(full);
        Assert.All(full, b => Assert.InRange(b.SpanCount, 150, 150 + EdgeTrafficModel.MaxSpansPerTrace - 1));
        Assert.All(ready, b => Assert.All(b.ResourceSpans, rs =>
            Assert.Equal(b.Region, rs.ResourceAttributes.Single(a => a.Key == "cloud.region").Value.AsString())));
        Assert.All(ready, b => Assert.Equal(b.SpanCount, b.ResourceSpans.Sum(rs => rs.ScopeSpans.Sum(s => s.Spans.Count))));
    }

    [Fact]
    public void At_a_low_rate_a_partial_batch_is_sent_when_its_linger_expires()
    {
        var scheduler = Scheduler(10, batchSpans: 100, lingerMs: 200);
        var ready = new List<WorkloadBatch>();

        scheduler.Advance(0, ready);
        scheduler.Advance(199 * Ms, ready);
        Assert.Empty(ready);
        Assert.Equal(200 * Ms, Math.Min(scheduler.NextWakeNanos, 200 * Ms));

        scheduler.Advance(230 * Ms, ready);

        var batch = Assert.Single(ready);
        Assert.Equal(200 * Ms, batch.IntendedNanos);
        Assert.Equal(scheduler.Counters.SpansGenerated, batch.SpanCount);
    }

    [Fact]
    public void Cross_region_fragments_are_sent_no_earlier_than_their_export_delay()
    {
        var truths = new Dictionary<TraceId, TraceGroundTruth>();
        var scheduler = Scheduler(20_000, onTrace: t => truths[t.TraceId] = t);
        var ready = new List<WorkloadBatch>();
        for (var t = 0L; t <= 3 * Second; t += Ms)
        {
            scheduler.Advance(t, ready);
        }
        // Flushing later than every pending due time releases each fragment at its own due time.
        scheduler.Flush(10 * Second, ready);

        var spans = ready.SelectMany(b => b.ResourceSpans.SelectMany(rs => rs.ScopeSpans.SelectMany(s => s.Spans)).Select(s => (Batch: b, Span: s))).ToList();
        var rootEnd = spans.Where(x => x.Span.ParentSpanId.IsEmpty).ToDictionary(x => x.Span.TraceId, x => (long)(x.Span.EndUnixNano - ManualClock.Epoch));
        var checkedFragments = 0;
        foreach (var (batch, span) in spans)
        {
            var truth = truths[span.TraceId];
            if (truth.IsCrossRegion && batch.Region == truth.Regions[1])
            {
                Assert.True(batch.IntendedNanos >= rootEnd[span.TraceId] + (truth.ExportDelay.Ticks * 100), $"a remote fragment was sent before its export delay: intended {batch.IntendedNanos} root end {rootEnd[span.TraceId]} delay {truth.ExportDelay} parent {span.ParentSpanId} count {batch.SpanCount}");
                checkedFragments++;
            }
        }
        Assert.True(checkedFragments > 100);
        Assert.Equal(truths.Values.Sum(t => t.SpanCount), spans.Count);
        Assert.Equal(0, scheduler.DelayedFragments);
    }
}
