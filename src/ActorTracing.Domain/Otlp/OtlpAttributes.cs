namespace ActorTracing.Domain.Otlp;

/// <summary>Attribute lookups over encoded OTLP messages.</summary>
public static class OtlpAttributes
{
    /// <summary>Finds attribute <paramref name="key"/> in an encoded OTLP Span (field 9) without decoding the rest.</summary>
    public static bool TryFindInSpan(ReadOnlySpan<byte> span, string key, out AttributeValue value)
        => throw new NotImplementedException("OTLP decoder pending");
}
