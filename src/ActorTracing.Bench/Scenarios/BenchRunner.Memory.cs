namespace ActorTracing.Bench;

/// <summary>Memory per buffered span (scenario 3): a second node that holds every trace open.</summary>
public sealed partial class BenchRunner
{
    // send-delay and trace-timeout far beyond the run: nothing is decided, so every span sent stays buffered.
    private const string HoldOpenHocon = """
        actortracing.trace.send-delay = 10m
        actortracing.trace.trace-timeout = 20m
        """;

    /// <summary>
    /// The node is warmed up with a tenth of the spans first, and the per-span figures are the
    /// growth from there: a fresh node process pays once, on its first requests, for JIT-compiled
    /// code, pools and thread stacks (tens of MB of RSS), which is not memory per buffered span.
    /// When the node ran inside the bench, the bench's limit probes had paid that already.
    /// </summary>
    private async Task<MemoryResult?> MemoryAsync(NodeSampler sampler, CancellationToken cancellationToken)
    {
        var duration = TimeSpan.FromSeconds(_options.MemorySpans / _options.MemoryRate);
        var warmUp = duration / 10;
        Say(F($"3. memory per buffered span: a node with send-delay 10m holds {_options.MemorySpans:N0} spans ({_options.MemoryRate:N0}/s for {duration.TotalSeconds:0.#}s) after a warm-up of {warmUp.TotalSeconds:0.#}s"));
        var node = await StartNodeAsync(new BenchNodeSpec(NodeDataDirectory, $"bench_{_runId}_memory", "iad", HoldOpenHocon), cancellationToken).ConfigureAwait(false);
        try
        {
            sampler.Track(node, "memory warm-up");
            await RunLoadAsync(node, sampler, "memory warm-up", _options.Protocol, _options.MemoryRate, warmUp, TimeSpan.Zero, null, cancellationToken).ConfigureAwait(false);
            await Task.Delay(1000, cancellationToken).ConfigureAwait(false);
            var baseHeap = await node.CollectHeapAsync(cancellationToken).ConfigureAwait(false);
            var idle = await sampler.SampleAsync(cancellationToken).ConfigureAwait(false);
            var run = await RunLoadAsync(node, sampler, "memory fill", _options.Protocol, _options.MemoryRate, duration, TimeSpan.Zero, null, cancellationToken).ConfigureAwait(false);
            // Accepted spans are counted at ingest, before the actors hold them; give the mailboxes a moment.
            await Task.Delay(1000, cancellationToken).ConfigureAwait(false);
            var heap = await node.CollectHeapAsync(cancellationToken).ConfigureAwait(false);
            var loaded = await sampler.SampleAsync(cancellationToken).ConfigureAwait(false);
            var buffered = loaded.BufferedSpans;
            var added = buffered - idle.BufferedSpans;
            if (added <= 0 || run.Result.Throttled > 0)
            {
                _notes.Add(F($"memory: {buffered:N0} spans buffered, {run.Result.Throttled:N0} throttled attempts; per-span figures are unreliable."));
            }
            var points = sampler.Between(idle.Seconds, loaded.Seconds)
                .Select(s => new MemoryPoint(s.BufferedSpans, s.GcHeapBytes, s.RssBytes))
                .Append(new MemoryPoint(buffered, heap, loaded.RssBytes))
                .ToArray();
            var per = Math.Max(added, 1);
            var result = new MemoryResult(
                buffered, loaded.BufferedTraces, baseHeap, heap, idle.RssBytes, loaded.RssBytes,
                Math.Round((double)(heap - baseHeap) / per, 1),
                Math.Round((double)(loaded.RssBytes - idle.RssBytes) / per, 1),
                Math.Round((double)loaded.BufferedBytes / Math.Max(buffered, 1), 1),
                points,
                idle.BufferedSpans);
            Say(F($"  {buffered:N0} spans in {loaded.BufferedTraces:N0} traces ({added:N0} added after the warm-up): GC heap {result.GcHeapBytesPerSpan:N0} B/span, RSS {result.RssBytesPerSpan:N0} B/span (span bytes held, compacted: {result.RawBytesPerSpan:N0} B/span)"));
            return result;
        }
        finally
        {
            sampler.Track(null, "idle");
            await node.DisposeAsync().ConfigureAwait(false);
        }
    }
}
