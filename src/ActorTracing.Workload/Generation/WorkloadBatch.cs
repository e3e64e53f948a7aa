using ActorTracing.Domain;
using ActorTracing.Domain.Otlp;

namespace ActorTracing.Workload;

/// <summary>
/// One export request a region sends: spans of many traces grouped by resource. Built either as
/// objects (<see cref="ResourceSpans"/>, encoded by the sender) or already encoded
/// (<see cref="Payload"/>, replayed templates); <see cref="IsEncoded"/> tells which.
/// </summary>
/// <param name="IntendedNanos">
/// When an SDK would have sent it, in nanoseconds since the run started: the moment the batch
/// filled up or its linger expired. Latency is measured from here, not from when a sender got to
/// it, so a stalled node shows up as latency instead of as fewer, faster requests (coordinated omission).
/// </param>
public sealed record WorkloadBatch(string Region, IReadOnlyList<ResourceSpansDetail> ResourceSpans, int SpanCount, long IntendedNanos)
{
    /// <summary>A request already encoded as an ExportTraceServiceRequest.</summary>
    public WorkloadBatch(string Region, ReadOnlyMemory<byte> Payload, int SpanCount, long IntendedNanos)
        : this(Region, (IReadOnlyList<ResourceSpansDetail>)null!, SpanCount, IntendedNanos)
    {
        this.Payload = Payload;
        IsEncoded = true;
    }

    /// <summary>
    /// The request's ResourceSpans. For an encoded batch they are decoded from <see cref="Payload"/>
    /// on first read (tests, tools); the generator never reads them.
    /// </summary>
    public IReadOnlyList<ResourceSpansDetail> ResourceSpans
    {
        get => field ??= OtlpSpanDecoder.DecodeRequest(Payload.Span);
        init;
    } = ResourceSpans;

    private SharedBuffer? _pooled;

    /// <summary>The encoded ExportTraceServiceRequest when <see cref="IsEncoded"/>; empty otherwise.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    public bool IsEncoded { get; }

    /// <summary>An encoded batch whose request was written into a pooled buffer; the batch takes over its one share.</summary>
    public static WorkloadBatch Pooled(string region, SharedBuffer request, int spanCount, long intendedNanos) =>
        new(region, request.Memory, spanCount, intendedNanos) { _pooled = request };

    /// <summary>
    /// Gives a pooled request buffer back to its pool: only once the request was sent and the
    /// sender returned (no transport reads it any more), and only once. <see cref="Payload"/> must
    /// not be read afterwards. A batch that was not pooled, or whose send failed, is left alone.
    /// </summary>
    public void ReturnPayload()
    {
        Interlocked.Exchange(ref _pooled, null)?.Release();
    }
}
