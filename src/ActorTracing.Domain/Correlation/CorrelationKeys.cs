using ActorTracing.Domain.Otlp;
using ActorTracing.Domain.Wire;

namespace ActorTracing.Domain.Correlation;

/// <summary>The correlation group a trace belongs to, if any. Pure; read from the raw spans.</summary>
public static class CorrelationKeys
{
    public const string AttributePrefix = "attr:";
    public const string LinkPrefix = "link:";

    /// <summary>
    /// The attribute wins over links (it names the request across every fragment). For a link,
    /// the key is the smaller of the two trace ids, so both sides of the link compute the same
    /// key without knowing each other. Chains of links (A→B→C) join pairwise, not transitively.
    /// </summary>
    public static string? Find(TraceId traceId, IReadOnlyList<BufferedSpan> spans, CorrelationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(spans);
        ArgumentNullException.ThrowIfNull(settings);
        if (!settings.Enabled)
        {
            return null;
        }
        if (settings.Attribute.Length > 0)
        {
            foreach (var span in spans)
            {
                if ((span.TryGetAttribute(settings.Attribute, out var value) || OtlpAttributes.TryFindInResource(span.Origin.Resource, settings.Attribute, out value))
                    && value.AsString() is { Length: > 0 } text)
                {
                    return AttributePrefix + text;
                }
            }
        }
        if (settings.FollowLinks)
        {
            foreach (var span in spans)
            {
                if (FirstLinkedTrace(span.Held, traceId) is { } linked)
                {
                    var low = Compare(linked, traceId) < 0 ? linked : traceId;
                    return LinkPrefix + low.ToHex();
                }
            }
        }
        return null;
    }

    /// <summary>The trace id of the first link (OTLP Span.links, field 13) pointing at another trace.</summary>
    public static TraceId? FirstLinkedTrace(ReadOnlySpan<byte> span, TraceId own)
    {
        var reader = new ProtoReader(span);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            if (field != OtlpFields.SpanLinks || wireType != WireType.LengthDelimited)
            {
                reader.Skip(wireType);
                continue;
            }
            var link = new ProtoReader(reader.ReadLengthDelimited());
            while (link.TryReadTag(out var linkField, out var linkWire))
            {
                if (linkField == 1 && linkWire == WireType.LengthDelimited && TraceId.TryRead(link.ReadLengthDelimited(), out var id))
                {
                    if (id != own)
                    {
                        return id;
                    }
                }
                else
                {
                    link.Skip(linkWire);
                }
            }
        }
        return null;
    }

    private static int Compare(TraceId a, TraceId b) => a.High != b.High ? a.High.CompareTo(b.High) : a.Low.CompareTo(b.Low);
}
