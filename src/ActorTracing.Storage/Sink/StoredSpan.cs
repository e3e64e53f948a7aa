using ActorTracing.Domain;

namespace ActorTracing.Storage;

/// <summary>
/// A kept span on its way to storage, with why it was kept and the rate it stands for. A struct:
/// one per kept span, read once when its row is encoded.
/// </summary>
/// <param name="Span">The span as the trace buffer held it; its raw OTLP bytes are decoded only now.</param>
/// <param name="SamplingReason">The keep reason, e.g. "rules/errors" or "late/follow-decision".</param>
/// <param name="SampleRate">1 in N: how many spans this stored one represents (1 = everything kept).</param>
public readonly record struct StoredSpan(BufferedSpan Span, string SamplingReason, uint SampleRate);
