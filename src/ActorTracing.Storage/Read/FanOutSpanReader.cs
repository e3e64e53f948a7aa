namespace ActorTracing.Storage;

/// <summary>
/// Reads several stores (shards) as one: every call goes to all readers concurrently and the
/// results merge — sets union, search hits re-ordered newest first by their start and cut to the
/// limit, spans de-duplicated by (trace, span), summaries of one trace combined, call counts added.
/// A failing reader fails the call with a message that says how many answered, because a trace
/// view silently missing a shard's spans would look complete and be wrong.
/// </summary>
public sealed class FanOutSpanReader : ISpanReader
{
    private readonly IReadOnlyList<ISpanReader> _readers;

    public FanOutSpanReader(IReadOnlyList<ISpanReader> readers)
    {
        ArgumentNullException.ThrowIfNull(readers);
        if (readers.Count == 0)
        {
            throw new ArgumentException("A fan-out needs at least one reader.", nameof(readers));
        }
        _readers = readers;
    }

    public IReadOnlyList<ISpanReader> Readers => _readers;

    public async Task<IReadOnlyList<string>> GetServicesAsync(CancellationToken cancellationToken)
    {
        var all = await AllAsync((r, ct) => r.GetServicesAsync(ct), cancellationToken).ConfigureAwait(false);
        return [.. all.SelectMany(s => s).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    public async Task<IReadOnlyList<OperationInfo>> GetOperationsAsync(string service, string? spanKind, CancellationToken cancellationToken)
    {
        var all = await AllAsync((r, ct) => r.GetOperationsAsync(service, spanKind, ct), cancellationToken).ConfigureAwait(false);
        return [.. all.SelectMany(o => o).Distinct().OrderBy(o => o.Name, StringComparer.Ordinal).ThenBy(o => o.SpanKind, StringComparer.Ordinal)];
    }

    public async Task<IReadOnlyList<TraceIdHit>> FindTraceIdsAsync(TraceSearch search, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(search);
        // Each shard returns its newest `Limit`; the global newest `Limit` are among their union.
        var all = await AllAsync((r, ct) => r.FindTraceIdsAsync(search, ct), cancellationToken).ConfigureAwait(false);
        return [.. all.SelectMany(h => h)
            .GroupBy(h => h.TraceId, StringComparer.Ordinal)
            .Select(g => g.MinBy(h => h.StartUnixNano)!)
            .OrderByDescending(h => h.StartUnixNano)
            .ThenBy(h => h.TraceId, StringComparer.Ordinal)
            .Take(search.Limit)];
    }

    public async Task<IReadOnlyList<SpanRecord>> GetSpansAsync(IReadOnlyCollection<string> traceIds, CancellationToken cancellationToken)
    {
        var all = await AllAsync((r, ct) => r.GetSpansAsync(traceIds, ct), cancellationToken).ConfigureAwait(false);
        var seen = new HashSet<(string, string)>();
        return [.. all.SelectMany(s => s)
            .Where(s => seen.Add((s.TraceId, s.SpanId)))
            .OrderBy(s => s.TraceId, StringComparer.Ordinal)
            .ThenBy(s => s.StartUnixNano)
            .ThenBy(s => s.SpanId, StringComparer.Ordinal)];
    }

    public async Task<IReadOnlyList<TraceSummaryRecord>> GetTraceSummariesAsync(IReadOnlyCollection<string> traceIds, CancellationToken cancellationToken)
    {
        var all = await AllAsync((r, ct) => r.GetTraceSummariesAsync(traceIds, ct), cancellationToken).ConfigureAwait(false);
        return [.. all.SelectMany(s => s)
            .GroupBy(s => s.TraceId, StringComparer.Ordinal)
            .Select(g => g.Aggregate((a, b) => a.MergeWith(b)))
            .OrderBy(s => s.TraceId, StringComparer.Ordinal)];
    }

    public async Task<IReadOnlyList<DependencyLink>> GetDependenciesAsync(DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken)
    {
        var all = await AllAsync((r, ct) => r.GetDependenciesAsync(start, end, ct), cancellationToken).ConfigureAwait(false);
        return [.. all.SelectMany(d => d)
            .GroupBy(d => (d.Parent, d.Child))
            .Select(g => new DependencyLink(g.Key.Parent, g.Key.Child, g.Sum(d => d.CallCount)))
            .OrderBy(d => d.Parent, StringComparer.Ordinal)
            .ThenBy(d => d.Child, StringComparer.Ordinal)];
    }

    private async Task<T[]> AllAsync<T>(Func<ISpanReader, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        // The first failure cancels the other reads: the call fails anyway, so waiting for a slow
        // shard would only hold the request until its timeout.
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = new Task<T>[_readers.Count];
        for (var i = 0; i < tasks.Length; i++)
        {
            var reader = _readers[i];
            // Task.Run: a reader may work synchronously before its first await (parsing a reply),
            // which would serialize the fan-out.
            tasks[i] = Task.Run(
                async () =>
                {
                    try
                    {
                        return await call(reader, failed.Token).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        await failed.CancelAsync().ConfigureAwait(false);
                        throw;
                    }
                },
                CancellationToken.None);
        }
        try
        {
            return await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (Exception) when (tasks.Any(t => t.IsFaulted) && !cancellationToken.IsCancellationRequested)
        {
            var faulted = tasks.Select((t, i) => (t, i)).Where(x => x.t.IsFaulted).ToList();
            var first = faulted[0].t.Exception!.GetBaseException();
            if (first is ArgumentException)
            {
                // Bad input fails alike on every reader: report it as such, not as a storage fault.
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
            }
            var answered = tasks.Count(t => t.IsCompletedSuccessfully);
            var cancelled = tasks.Count(t => t.IsCanceled);
            throw new StorageException(
                $"Queried {tasks.Length} readers: {answered} responsive, {faulted.Count} failed (reader {string.Join(", ", faulted.Select(x => x.i))})" +
                (cancelled > 0 ? $", {cancelled} cancelled after the failure" : string.Empty) + $": {first.Message}",
                first);
        }
    }
}
