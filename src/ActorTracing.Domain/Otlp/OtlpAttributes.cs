using ActorTracing.Domain.Wire;

namespace ActorTracing.Domain.Otlp;

/// <summary>
/// Attribute lookups over encoded OTLP messages. Sampling rules ask for one or two attributes of
/// a span that is most likely dropped afterwards, so these scan the KeyValue entries comparing
/// key bytes in place and decode only the value that matches.
/// </summary>
public static class OtlpAttributes
{
    // keyId for plain OTLP: field 15 of a KeyValue is an unknown field there, skipped.
    internal const int NotCompact = -1;

    /// <summary>Finds attribute <paramref name="key"/> in an encoded OTLP Span (field 9) without decoding the rest.</summary>
    public static bool TryFindInSpan(ReadOnlySpan<byte> span, string key, out AttributeValue value)
        => TryFind(span, OtlpFields.SpanAttributes, key, NotCompact, out value);

    /// <summary>
    /// Finds attribute <paramref name="key"/> in a trace buffer's compact span bytes, where the key
    /// is either inline or <paramref name="keyId"/> (0: the key was never numbered, so only inline).
    /// </summary>
    internal static bool TryFindInCompactSpan(ReadOnlySpan<byte> span, string key, int keyId, out AttributeValue value)
        => TryFind(span, OtlpFields.SpanAttributes, key, keyId, out value);

    /// <summary>Finds attribute <paramref name="key"/> in an encoded OTLP Resource (field 1).</summary>
    public static bool TryFindInResource(ReadOnlySpan<byte> resource, string key, out AttributeValue value)
        => TryFind(resource, OtlpFields.ResourceAttributes, key, NotCompact, out value);

    /// <summary>Finds attribute <paramref name="key"/> in an encoded OTLP InstrumentationScope (field 3).</summary>
    public static bool TryFindInScope(ReadOnlySpan<byte> scope, string key, out AttributeValue value)
        => TryFind(scope, OtlpFields.ScopeAttributes, key, NotCompact, out value);

    /// <summary>
    /// Finds attribute <paramref name="key"/> of a span (plain OTLP, or compact with
    /// <paramref name="keyId"/>) and gives its AnyValue bytes undecoded: for a matcher that reads a
    /// string value in place instead of making a string of it.
    /// </summary>
    internal static bool TryFindValueInSpan(ReadOnlySpan<byte> span, string key, int keyId, out ReadOnlySpan<byte> anyValue)
        => TryFindValue(span, OtlpFields.SpanAttributes, key, keyId, out anyValue);

    /// <summary>The UTF-8 bytes of an AnyValue that is a string (the last value field wins, as in <see cref="OtlpAnyValue.ReadValue"/>).</summary>
    /// <exception cref="ProtoFormatException">The bytes are not a valid AnyValue.</exception>
    internal static bool TryReadPlainString(ReadOnlySpan<byte> anyValue, out ReadOnlySpan<byte> utf8)
    {
        var value = OtlpAnyValueFields.Read(anyValue);
        utf8 = value.Field == OtlpFields.AnyString ? value.Bytes : default;
        return value.Field == OtlpFields.AnyString;
    }

    private static bool TryFind(ReadOnlySpan<byte> message, int attributesField, string key, int keyId, out AttributeValue value)
    {
        if (TryFindValue(message, attributesField, key, keyId, out var valueBytes))
        {
            value = OtlpAnyValue.ReadValue(valueBytes, cacheShortStrings: true);
            return true;
        }
        value = default;
        return false;
    }

    private static bool TryFindValue(ReadOnlySpan<byte> message, int attributesField, string key, int keyId, out ReadOnlySpan<byte> value)
    {
        ArgumentNullException.ThrowIfNull(key);
        var reader = new ProtoReader(message);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            if (field != attributesField)
            {
                reader.Skip(wireType);
                continue;
            }
            reader.Expect(wireType, WireType.LengthDelimited, "attributes");
            var keyValue = new ProtoReader(reader.ReadLengthDelimited());
            ReadOnlySpan<byte> keyBytes = default;
            ReadOnlySpan<byte> valueBytes = default;
            var keyIdSeen = false;
            var idMatches = false;
            while (keyValue.TryReadTag(out var kvField, out var kvWire))
            {
                switch (kvField)
                {
                    case OtlpFields.KeyValueKey:
                        keyValue.Expect(kvWire, WireType.LengthDelimited, "KeyValue.key");
                        keyBytes = keyValue.ReadLengthDelimited();
                        break;
                    case OtlpFields.KeyValueValue:
                        keyValue.Expect(kvWire, WireType.LengthDelimited, "KeyValue.value");
                        valueBytes = keyValue.ReadLengthDelimited();
                        break;
                    case OtlpFields.KeyValueKeyId when keyId != NotCompact && kvWire == WireType.Varint:
                        keyIdSeen = true;
                        idMatches = keyValue.ReadVarint() == (ulong)keyId && keyId > 0;
                        break;
                    default:
                        keyValue.Skip(kvWire);
                        break;
                }
            }
            if (keyIdSeen ? idMatches : OtlpAnyValue.KeyEquals(keyBytes, key))
            {
                value = valueBytes;
                return true;
            }
        }
        value = default;
        return false;
    }
}
