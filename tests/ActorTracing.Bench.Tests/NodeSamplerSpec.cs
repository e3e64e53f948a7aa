using System.Diagnostics;

namespace ActorTracing.Bench.Tests;

/// <summary>
/// The sampler reads a node in another process: a reading that fails (the node busy past the
/// call's timeout, or stopping) must cost one point of the timeline, not the timeline.
/// </summary>
public sealed class NodeSamplerSpec
{
    [Fact]
    public async Task A_failed_reading_is_counted_and_the_next_ones_are_still_taken()
    {
        var target = new FlakyTarget(failFirst: 2);
        var sampler = new NodeSampler(Stopwatch.StartNew());
        sampler.Track(target, "run");

        // Waits for readings, not for time: the guard only bounds a broken sampler.
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (sampler.Samples.Count < 2)
        {
            await Task.Delay(50, guard.Token);
        }
        await sampler.DisposeAsync();

        Assert.Equal(2, sampler.FailedSamples);
        Assert.Equal("HttpRequestException: node busy", sampler.LastFailure);
        Assert.All(sampler.Samples, s => Assert.Equal("run", s.Phase));
    }

    private sealed class FlakyTarget(int failFirst) : IBenchTarget
    {
        private int _calls;

        public TimeSpan SendDelay => TimeSpan.FromSeconds(2);

        public IReadOnlyList<IngestPoint> IngestPoints => [];

        public TimeSpan ProbePollInterval => TimeSpan.FromMilliseconds(20);

        public BenchTarget Describe() => new();

        public Task<NodeSample> SampleAsync(double seconds, string phase, CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _calls) <= failFirst
                ? Task.FromException<NodeSample>(new HttpRequestException("node busy"))
                : Task.FromResult(new NodeSample(seconds, phase, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));

        public Task<long> CountRowsAsync(CancellationToken cancellationToken) => Task.FromResult(0L);

        public Task<IReadOnlyDictionary<string, StoredTrace>> StoredTracesAsync(IReadOnlyCollection<string> traceIds, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyDictionary<string, StoredTrace>>(new Dictionary<string, StoredTrace>());

        public Task<StorageResult> MeasureStorageAsync(CancellationToken cancellationToken) => Task.FromResult(new StorageResult(0, 0, 0, 0, 0, 0));
    }
}
