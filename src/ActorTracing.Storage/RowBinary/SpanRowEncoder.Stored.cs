using ActorTracing.Domain;
using ActorTracing.Domain.Otlp;

namespace ActorTracing.Storage;

/// <summary>The <see cref="StoredSpan"/> side of the encoder: decoding a buffered span's raw OTLP bytes.</summary>
public sealed partial class SpanRowEncoder
{
    // Origins are interned per node (a fleet exports from a few hundred), so this rarely fills; the
    // bound keeps a client that sends ever new resources from growing it without end.
    private const int MaxCachedOrigins = 4096;

    // Keyed by reference: every span of one ScopeSpans shares one SpanOrigin instance, so a batch
    // decodes each resource and scope once. Value equality would hash the resource bytes per span.
    private readonly Dictionary<SpanOrigin, DecodedOrigin> _origins = new(ReferenceEqualityComparer.Instance);

    /// <summary>Origins decoded since the last <see cref="Reset"/>; what the per-batch cache saved is Rows minus this.</summary>
    public int DecodedOrigins { get; private set; }

    /// <summary>
    /// Appends one row for a kept span: written from its raw bytes (Modern) or decoded from them
    /// (Legacy), its resource and scope decoded once per <see cref="SpanOrigin"/> instance per
    /// batch; Region is the origin's region.
    /// </summary>
    /// <param name="stored">The span, its keep reason and rate.</param>
    /// <param name="completionReason">The decision's completion reason for a span written at its trace's decision; '' for a late span.</param>
    /// <exception cref="ActorTracing.Domain.Wire.ProtoFormatException">The span's bytes are not a valid OTLP Span.</exception>
    public void Append(StoredSpan stored, string completionReason = "")
    {
        var span = stored.Span ?? throw new ArgumentException("a stored span without its span", nameof(stored));
        var origin = span.Origin;
        if (!_origins.TryGetValue(origin, out var decoded))
        {
            decoded = new DecodedOrigin(
                OtlpSpanDecoder.DecodeResourceAttributes(origin.Resource),
                OtlpSpanDecoder.DecodeScope(origin.Scope));
            _origins.Add(origin, decoded);
            DecodedOrigins++;
        }
        var serviceName = origin.ServiceName.Length > 0 ? origin.ServiceName : FindServiceName(decoded.ResourceAttributes);
        if (Flavor == SchemaFlavor.Modern)
        {
            // Straight from the OTLP bytes (SpanRowEncoder.Otlp.cs): the same row, no decoded span.
            AppendOtlpRow(span.Raw.Span, decoded.ResourceAttributes, serviceName, decoded.Scope, origin.Region, stored.SamplingReason, stored.SampleRate, completionReason);
            return;
        }
        var detail = OtlpSpanDecoder.DecodeSpan(span.Raw.Span);
        AppendRow(detail, decoded.ResourceAttributes, serviceName, decoded.Scope, origin.Region, stored.SamplingReason, stored.SampleRate, completionReason);
    }

    private void ResetOriginCache()
    {
        _origins.Clear();
        DecodedOrigins = 0;
    }

    private sealed record DecodedOrigin(IReadOnlyList<KeyValuePair<string, AttributeValue>> ResourceAttributes, ScopeDetail Scope);
}
