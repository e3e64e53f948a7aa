namespace ActorTracing.Workload;

/// <summary>
/// Traffic built trace by trace by <see cref="EdgeTrafficModel"/>, batched as object graphs
/// (<see cref="OtlpBatchBuilder"/>) and encoded by whoever sends them. The reference the replayed
/// traffic is checked against, and what callers get when they hand a scheduler a model.
/// </summary>
internal sealed class ModelTraffic : IWorkloadTraffic<TraceFragment>
{
    private readonly EdgeTrafficModel _model;
    private readonly Dictionary<string, int> _regionIndex = new(StringComparer.Ordinal);
    private readonly string[] _regions;
    private readonly OtlpBatchBuilder[] _batches;
    private TraceGroundTruth? _current;

    public ModelTraffic(EdgeTrafficModel model)
    {
        _model = model;
        _regions = [.. EdgeTrafficModel.Regions];
        _batches = new OtlpBatchBuilder[_regions.Length];
        for (var i = 0; i < _regions.Length; i++)
        {
            _regionIndex[_regions[i]] = i;
            _batches[i] = new OtlpBatchBuilder(model.Resources.Count);
        }
    }

    public IReadOnlyList<string> Regions => _regions;

    public int NextTrace(ulong endUnixNano, TraceFragment[] fragments, out TraceShape shape)
    {
        var scenario = _model.NextTrace(endUnixNano);
        _current = scenario.Truth;
        shape = TraceShape.Of(scenario.Truth);
        for (var i = 0; i < scenario.Fragments.Count; i++)
        {
            fragments[i] = scenario.Fragments[i];
        }
        return scenario.Fragments.Count;
    }

    public TraceGroundTruth CurrentTruth() => _current ?? throw new InvalidOperationException("no trace generated yet");

    public long ExportDelayNanos(in TraceFragment fragment) => fragment.ExportDelay.Ticks * 100;

    public int RegionOf(in TraceFragment fragment) => _regionIndex[fragment.Region];

    public void Add(in TraceFragment fragment) => _batches[_regionIndex[fragment.Region]].AddRange(fragment.Spans);

    public int PendingSpans(int region) => _batches[region].SpanCount;

    public WorkloadBatch Seal(int region, long intendedNanos)
    {
        var batch = _batches[region];
        var spans = batch.SpanCount;
        return new WorkloadBatch(_regions[region], batch.Build(), spans, intendedNanos);
    }
}
