namespace ActorTracing.Workload;

/// <summary>
/// Where a <see cref="WorkloadScheduler"/>'s traces come from and how they accumulate into each
/// region's next request. The scheduler owns the clock-side decisions (when a trace is due, when a
/// fragment's export delay is over, when a batch is full or has lingered); the traffic owns what
/// a trace and a batch are: object graphs from the model, or patched template bytes.
/// </summary>
/// <typeparam name="TFragment">The spans one region exports of one trace, as this traffic holds them.</typeparam>
internal interface IWorkloadTraffic<TFragment>
{
    /// <summary>The regions batches are kept for, by index (<see cref="EdgeTrafficModel.Regions"/> order).</summary>
    IReadOnlyList<string> Regions { get; }

    /// <summary>
    /// Generates the next trace, its root ending at <paramref name="endUnixNano"/>, writing its
    /// fragments to <paramref name="fragments"/> (room for two) and returning how many.
    /// <paramref name="shape"/> is what the counters need; <see cref="CurrentTruth"/> has the rest.
    /// </summary>
    int NextTrace(ulong endUnixNano, TFragment[] fragments, out TraceShape shape);

    /// <summary>The exact ground truth of the trace <see cref="NextTrace"/> generated last (may allocate).</summary>
    TraceGroundTruth CurrentTruth();

    long ExportDelayNanos(in TFragment fragment);

    /// <summary>The index (in <see cref="Regions"/>) of the region that exports the fragment.</summary>
    int RegionOf(in TFragment fragment);

    /// <summary>Adds a fragment to its region's pending batch.</summary>
    void Add(in TFragment fragment);

    /// <summary>Spans in the region's pending batch.</summary>
    int PendingSpans(int region);

    /// <summary>Hands out the region's pending batch as a request intended at <paramref name="intendedNanos"/>, and empties it.</summary>
    WorkloadBatch Seal(int region, long intendedNanos);
}
