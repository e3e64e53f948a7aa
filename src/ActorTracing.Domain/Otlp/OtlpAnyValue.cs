using System.Globalization;
using System.Text;
using System.Text.Json;
using ActorTracing.Domain.Wire;

namespace ActorTracing.Domain.Otlp;

/// <summary>
/// Reads and writes OTLP <c>AnyValue</c> / <c>KeyValue</c>. Arrays and key-value lists travel
/// through <see cref="AttributeValue"/> as their compact JSON rendering (what the storage
/// Map(String, String) columns hold), so the writer parses that rendering back into
/// ArrayValue/KeyValueList and a decode→encode→decode round trip is exact.
/// </summary>
public static class OtlpAnyValue
{
    // Arrays nested deeper than this are rejected: a crafted body could otherwise recurse the
    // decoder into a stack overflow, which no catch block can stop.
    private const int MaxDepth = 100;

    public static void WriteAttributes(ProtoWriter writer, int fieldNumber, IReadOnlyList<KeyValuePair<string, AttributeValue>> attributes)
    {
        for (var i = 0; i < attributes.Count; i++)
        {
            var kv = attributes[i];
            var bookmark = writer.BeginMessage(fieldNumber);
            writer.WriteStringField(OtlpFields.KeyValueKey, kv.Key);
            WriteValue(writer, OtlpFields.KeyValueValue, kv.Value);
            writer.EndMessage(bookmark);
        }
    }

    public static void WriteValue(ProtoWriter writer, int fieldNumber, AttributeValue value)
    {
        var bookmark = writer.BeginMessage(fieldNumber);
        switch (value.Kind)
        {
            case AttributeKind.String:
                writer.WriteStringField(OtlpFields.AnyString, value.Text ?? string.Empty);
                break;
            case AttributeKind.Bool:
                writer.WriteBoolField(OtlpFields.AnyBool, value.Bool);
                break;
            case AttributeKind.Int:
                writer.WriteInt64Field(OtlpFields.AnyInt, value.Int);
                break;
            case AttributeKind.Double:
                writer.WriteDoubleField(OtlpFields.AnyDouble, value.Double);
                break;
            case AttributeKind.Bytes:
                writer.WriteBytesField(OtlpFields.AnyBytes, Convert.FromBase64String(value.Text ?? string.Empty));
                break;
            case AttributeKind.Array:
            case AttributeKind.KeyValueList:
                using (var doc = JsonDocument.Parse(string.IsNullOrEmpty(value.Text) ? (value.Kind == AttributeKind.Array ? "[]" : "{}") : value.Text))
                {
                    WriteJsonContent(writer, doc.RootElement);
                }
                break;
            default:
                break;
        }
        writer.EndMessage(bookmark);
    }

    /// <summary>Writes the oneof content of an AnyValue for a JSON element of the compact rendering.</summary>
    private static void WriteJsonContent(ProtoWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                writer.WriteStringField(OtlpFields.AnyString, element.GetString()!);
                break;
            case JsonValueKind.True:
            case JsonValueKind.False:
                writer.WriteBoolField(OtlpFields.AnyBool, element.GetBoolean());
                break;
            case JsonValueKind.Number:
                var raw = element.GetRawText();
                if (raw.AsSpan().IndexOfAny(".eE") < 0 && element.TryGetInt64(out var l))
                {
                    writer.WriteInt64Field(OtlpFields.AnyInt, l);
                }
                else
                {
                    writer.WriteDoubleField(OtlpFields.AnyDouble, element.GetDouble());
                }
                break;
            case JsonValueKind.Array:
                var arrayBookmark = writer.BeginMessage(OtlpFields.AnyArray);
                foreach (var item in element.EnumerateArray())
                {
                    var itemBookmark = writer.BeginMessage(OtlpFields.ListValues);
                    WriteJsonContent(writer, item);
                    writer.EndMessage(itemBookmark);
                }
                writer.EndMessage(arrayBookmark);
                break;
            case JsonValueKind.Object:
                var listBookmark = writer.BeginMessage(OtlpFields.AnyKvList);
                foreach (var property in element.EnumerateObject())
                {
                    var kvBookmark = writer.BeginMessage(OtlpFields.ListValues);
                    writer.WriteStringField(OtlpFields.KeyValueKey, property.Name);
                    var valueBookmark = writer.BeginMessage(OtlpFields.KeyValueValue);
                    WriteJsonContent(writer, property.Value);
                    writer.EndMessage(valueBookmark);
                    writer.EndMessage(kvBookmark);
                }
                writer.EndMessage(listBookmark);
                break;
            default:
                // null: an AnyValue with no oneof set.
                break;
        }
    }

    /// <summary>Longest string value <see cref="ReadValue"/> takes from the cache: enums, routes, methods and codes, not ids or text.</summary>
    public const int CachedValueBytes = 32;

    /// <summary>Decodes a repeated KeyValue field's elements; call once per KeyValue message.</summary>
    public static KeyValuePair<string, AttributeValue> ReadKeyValue(ReadOnlySpan<byte> keyValue)
    {
        var fields = OtlpKeyValueFields.Read(keyValue);
        // Keys repeat across every span (a few dozen names per fleet): cached, so decoding a kept
        // span for storage does not allocate each key again.
        return new KeyValuePair<string, AttributeValue>(
            Utf8StringCache.Get(fields.Key),
            ReadValue(fields.Value));
    }

    /// <param name="cacheShortStrings">
    /// Take string values of up to <see cref="CachedValueBytes"/> bytes from the string cache: for
    /// the values sampling rules look up on every span of every trace (a category, a route, a
    /// method), which repeat; without it each lookup allocated its string again (~13 % of a busy
    /// node's young garbage). Off for full decodes, whose long values (SQL, URLs, ids) would only
    /// churn the cache.
    /// </param>
    public static AttributeValue ReadValue(ReadOnlySpan<byte> anyValue, bool cacheShortStrings = false)
    {
        var value = OtlpAnyValueFields.Read(anyValue);
        switch (value.Field)
        {
            case OtlpFields.AnyString:
                var utf8 = value.Bytes;
                return AttributeValue.FromString(cacheShortStrings && utf8.Length <= CachedValueBytes ? Utf8StringCache.Get(utf8) : ReadUtf8(utf8));
            case OtlpFields.AnyBool:
                return AttributeValue.FromBool(value.Number != 0);
            case OtlpFields.AnyInt:
                return AttributeValue.FromInt(unchecked((long)value.Number));
            case OtlpFields.AnyDouble:
                return AttributeValue.FromDouble(BitConverter.Int64BitsToDouble(unchecked((long)value.Number)));
            case OtlpFields.AnyArray:
                var array = new StringBuilder();
                RenderArray(value.Bytes, array, 1);
                return new AttributeValue(AttributeKind.Array, array.ToString(), 0, 0, false);
            case OtlpFields.AnyKvList:
                var list = new StringBuilder();
                RenderKvList(value.Bytes, list, 1);
                return new AttributeValue(AttributeKind.KeyValueList, list.ToString(), 0, 0, false);
            case OtlpFields.AnyBytes:
                return new AttributeValue(AttributeKind.Bytes, Convert.ToBase64String(value.Bytes), 0, 0, false);
            default:
                return default;
        }
    }

    /// <summary>
    /// Lenient UTF-8: invalid sequences become U+FFFD. Rejecting a whole export because one SDK
    /// put a bad byte in an attribute would lose every other span of the request.
    /// </summary>
    public static string ReadUtf8(ReadOnlySpan<byte> bytes) => bytes.IsEmpty ? string.Empty : Encoding.UTF8.GetString(bytes);

    private static void RenderArray(ReadOnlySpan<byte> arrayValue, StringBuilder builder, int depth)
    {
        CheckDepth(depth);
        builder.Append('[');
        var first = true;
        var reader = new ProtoReader(arrayValue);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            if (field != OtlpFields.ListValues)
            {
                reader.Skip(wireType);
                continue;
            }
            reader.Expect(wireType, WireType.LengthDelimited, "ArrayValue.values");
            if (!first)
            {
                builder.Append(',');
            }
            first = false;
            RenderAnyValue(reader.ReadLengthDelimited(), builder, depth + 1);
        }
        builder.Append(']');
    }

    private static void RenderKvList(ReadOnlySpan<byte> kvList, StringBuilder builder, int depth)
    {
        CheckDepth(depth);
        builder.Append('{');
        var first = true;
        var reader = new ProtoReader(kvList);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            if (field != OtlpFields.ListValues)
            {
                reader.Skip(wireType);
                continue;
            }
            reader.Expect(wireType, WireType.LengthDelimited, "KeyValueList.values");
            if (!first)
            {
                builder.Append(',');
            }
            first = false;
            var kv = new ProtoReader(reader.ReadLengthDelimited());
            var key = string.Empty;
            ReadOnlySpan<byte> value = default;
            while (kv.TryReadTag(out var kvField, out var kvWire))
            {
                switch (kvField)
                {
                    case OtlpFields.KeyValueKey:
                        kv.Expect(kvWire, WireType.LengthDelimited, "KeyValue.key");
                        key = ReadUtf8(kv.ReadLengthDelimited());
                        break;
                    case OtlpFields.KeyValueValue:
                        kv.Expect(kvWire, WireType.LengthDelimited, "KeyValue.value");
                        value = kv.ReadLengthDelimited();
                        break;
                    default:
                        kv.Skip(kvWire);
                        break;
                }
            }
            AppendJsonString(builder, key);
            builder.Append(':');
            RenderAnyValue(value, builder, depth + 1);
        }
        builder.Append('}');
    }

    private static void RenderAnyValue(ReadOnlySpan<byte> anyValue, StringBuilder builder, int depth)
    {
        CheckDepth(depth);
        var reader = new ProtoReader(anyValue);
        var wrote = false;
        var mark = builder.Length;
        while (reader.TryReadTag(out var field, out var wireType))
        {
            // A later oneof member replaces an earlier one, as protobuf parsers do.
            if (field is >= OtlpFields.AnyString and <= OtlpFields.AnyBytes)
            {
                builder.Length = mark;
                wrote = true;
            }
            switch (field)
            {
                case OtlpFields.AnyString:
                    reader.Expect(wireType, WireType.LengthDelimited, "AnyValue.string_value");
                    AppendJsonString(builder, ReadUtf8(reader.ReadLengthDelimited()));
                    break;
                case OtlpFields.AnyBool:
                    reader.Expect(wireType, WireType.Varint, "AnyValue.bool_value");
                    builder.Append(reader.ReadVarint() != 0 ? "true" : "false");
                    break;
                case OtlpFields.AnyInt:
                    reader.Expect(wireType, WireType.Varint, "AnyValue.int_value");
                    builder.Append(unchecked((long)reader.ReadVarint()).ToString(CultureInfo.InvariantCulture));
                    break;
                case OtlpFields.AnyDouble:
                    reader.Expect(wireType, WireType.Fixed64, "AnyValue.double_value");
                    AppendJsonDouble(builder, reader.ReadDouble());
                    break;
                case OtlpFields.AnyArray:
                    reader.Expect(wireType, WireType.LengthDelimited, "AnyValue.array_value");
                    RenderArray(reader.ReadLengthDelimited(), builder, depth + 1);
                    break;
                case OtlpFields.AnyKvList:
                    reader.Expect(wireType, WireType.LengthDelimited, "AnyValue.kvlist_value");
                    RenderKvList(reader.ReadLengthDelimited(), builder, depth + 1);
                    break;
                case OtlpFields.AnyBytes:
                    reader.Expect(wireType, WireType.LengthDelimited, "AnyValue.bytes_value");
                    AppendJsonString(builder, Convert.ToBase64String(reader.ReadLengthDelimited()));
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }
        if (!wrote)
        {
            builder.Append("null");
        }
    }

    private static void CheckDepth(int depth)
    {
        if (depth > MaxDepth)
        {
            throw new ProtoFormatException($"AnyValue nested deeper than {MaxDepth} levels");
        }
    }

    /// <summary>
    /// Doubles keep a fractional part (1.0, not 1) so the rendering parses back as a double, not
    /// an int. JSON has no NaN/Infinity: those render as strings, the way OTLP/JSON writes them.
    /// </summary>
    internal static void AppendJsonDouble(StringBuilder builder, double value)
    {
        if (!double.IsFinite(value))
        {
            AppendJsonString(builder, value.ToString("R", CultureInfo.InvariantCulture));
            return;
        }
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        builder.Append(text);
        if (text.AsSpan().IndexOfAny(".eE") < 0)
        {
            builder.Append(".0");
        }
    }

    internal static void AppendJsonString(StringBuilder builder, string value)
    {
        builder.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"':
                    builder.Append("\\\"");
                    break;
                case '\\':
                    builder.Append("\\\\");
                    break;
                case '\n':
                    builder.Append("\\n");
                    break;
                case '\r':
                    builder.Append("\\r");
                    break;
                case '\t':
                    builder.Append("\\t");
                    break;
                default:
                    if (c < 0x20)
                    {
                        builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }
                    break;
            }
        }
        builder.Append('"');
    }

    /// <summary>Writes an AttributeValue as an OTLP/JSON AnyValue object.</summary>
    public static void WriteJson(Utf8JsonWriter json, AttributeValue value)
    {
        json.WriteStartObject();
        switch (value.Kind)
        {
            case AttributeKind.String:
                json.WriteString("stringValue", value.Text ?? string.Empty);
                break;
            case AttributeKind.Bool:
                json.WriteBoolean("boolValue", value.Bool);
                break;
            case AttributeKind.Int:
                json.WriteString("intValue", value.Int.ToString(CultureInfo.InvariantCulture));
                break;
            case AttributeKind.Double:
                if (double.IsFinite(value.Double))
                {
                    json.WriteNumber("doubleValue", value.Double);
                }
                else
                {
                    json.WriteString("doubleValue", value.Double.ToString("R", CultureInfo.InvariantCulture));
                }
                break;
            case AttributeKind.Bytes:
                json.WriteString("bytesValue", value.Text ?? string.Empty);
                break;
            case AttributeKind.Array:
            case AttributeKind.KeyValueList:
                using (var doc = JsonDocument.Parse(string.IsNullOrEmpty(value.Text) ? (value.Kind == AttributeKind.Array ? "[]" : "{}") : value.Text))
                {
                    WriteJsonElementAsAnyValueContent(json, doc.RootElement);
                }
                break;
            default:
                break;
        }
        json.WriteEndObject();
    }

    public static void WriteJsonAttributes(Utf8JsonWriter json, string propertyName, IReadOnlyList<KeyValuePair<string, AttributeValue>> attributes)
    {
        json.WriteStartArray(propertyName);
        foreach (var kv in attributes)
        {
            json.WriteStartObject();
            json.WriteString("key", kv.Key);
            json.WritePropertyName("value");
            WriteJson(json, kv.Value);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void WriteJsonElementAsAnyValueContent(Utf8JsonWriter json, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                json.WriteString("stringValue", element.GetString());
                break;
            case JsonValueKind.True:
            case JsonValueKind.False:
                json.WriteBoolean("boolValue", element.GetBoolean());
                break;
            case JsonValueKind.Number:
                var raw = element.GetRawText();
                if (raw.AsSpan().IndexOfAny(".eE") < 0 && element.TryGetInt64(out var l))
                {
                    json.WriteString("intValue", l.ToString(CultureInfo.InvariantCulture));
                }
                else
                {
                    json.WriteNumber("doubleValue", element.GetDouble());
                }
                break;
            case JsonValueKind.Array:
                json.WriteStartObject("arrayValue");
                json.WriteStartArray("values");
                foreach (var item in element.EnumerateArray())
                {
                    json.WriteStartObject();
                    WriteJsonElementAsAnyValueContent(json, item);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
                break;
            case JsonValueKind.Object:
                json.WriteStartObject("kvlistValue");
                json.WriteStartArray("values");
                foreach (var property in element.EnumerateObject())
                {
                    json.WriteStartObject();
                    json.WriteString("key", property.Name);
                    json.WriteStartObject("value");
                    WriteJsonElementAsAnyValueContent(json, property.Value);
                    json.WriteEndObject();
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
                break;
            default:
                break;
        }
    }

    /// <summary>True when <paramref name="utf8"/> equals <paramref name="key"/> encoded as UTF-8, without allocating.</summary>
    public static bool KeyEquals(ReadOnlySpan<byte> utf8, string key)
    {
        // ASCII keys (virtually all semantic-convention keys) compare byte-for-char directly.
        if (utf8.Length == key.Length && Ascii.IsValid(key))
        {
            for (var i = 0; i < utf8.Length; i++)
            {
                if (utf8[i] != key[i])
                {
                    return false;
                }
            }
            return true;
        }
        var max = Encoding.UTF8.GetMaxByteCount(key.Length);
        if (utf8.Length > max)
        {
            return false;
        }
        Span<byte> scratch = max <= 512 ? stackalloc byte[max] : new byte[max];
        var written = Encoding.UTF8.GetBytes(key, scratch);
        return utf8.SequenceEqual(scratch[..written]);
    }
}
