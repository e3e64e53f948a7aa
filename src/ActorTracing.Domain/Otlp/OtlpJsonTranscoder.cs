using System.Globalization;
using System.Text.Json;
using ActorTracing.Domain.Wire;

namespace ActorTracing.Domain.Otlp;

/// <summary>
/// Turns an OTLP/JSON ExportTraceServiceRequest into the protobuf encoding, so JSON ingest runs
/// the same <see cref="OtlpTraceDecoder"/> as protobuf ingest and spans keep protobuf raw bytes.
/// Follows the OTLP/JSON rules (lowerCamelCase keys, hex ids, 64-bit integers as strings or
/// numbers, enums as integers) and is lenient where SDKs are known to differ: snake_case keys,
/// enum names, upper-case hex, unknown fields. Anything else wrong throws
/// <see cref="FormatException"/> naming the JSON path.
/// </summary>
public static class OtlpJsonTranscoder
{
    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        MaxDepth = 128,
    };

    private static readonly string[] SpanKindNames =
    [
        "SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER",
    ];

    private static readonly string[] StatusCodeNames = ["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"];

    public static byte[] ToProtobuf(ReadOnlySpan<byte> utf8Json)
    {
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(utf8Json, ReaderOptions);
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException e)
        {
            throw new FormatException($"invalid JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}: {e.Message}", e);
        }
        using (document)
        {
            var writer = new ProtoWriter(utf8Json.Length);
            var root = document.RootElement;
            ExpectObject(root, "$");
            foreach (var property in root.EnumerateObject())
            {
                if (Normalize(property.Name) == "resourcespans")
                {
                    ForEachObject(property.Value, "$.resourceSpans", (element, path) =>
                    {
                        var bookmark = writer.BeginMessage(OtlpFields.RequestResourceSpans);
                        WriteResourceSpans(writer, element, path);
                        writer.EndMessage(bookmark);
                    });
                }
            }
            return writer.ToArray();
        }
    }

    private static void WriteResourceSpans(ProtoWriter writer, JsonElement element, string path)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }
            switch (Normalize(property.Name))
            {
                case "resource":
                    var resourcePath = path + ".resource";
                    ExpectObject(property.Value, resourcePath);
                    var bookmark = writer.BeginMessage(OtlpFields.ResourceSpansResource);
                    foreach (var rp in property.Value.EnumerateObject())
                    {
                        switch (Normalize(rp.Name))
                        {
                            case "attributes":
                                WriteKeyValues(writer, OtlpFields.ResourceAttributes, rp.Value, resourcePath + ".attributes");
                                break;
                            case "droppedattributescount":
                                WriteUInt32(writer, OtlpFields.ResourceDroppedAttributesCount, rp.Value, resourcePath + ".droppedAttributesCount");
                                break;
                            default:
                                break;
                        }
                    }
                    writer.EndMessage(bookmark);
                    break;
                case "scopespans":
                    ForEachObject(property.Value, path + ".scopeSpans", (scopeSpans, scopeSpansPath) =>
                    {
                        var ssBookmark = writer.BeginMessage(OtlpFields.ResourceSpansScopeSpans);
                        WriteScopeSpans(writer, scopeSpans, scopeSpansPath);
                        writer.EndMessage(ssBookmark);
                    });
                    break;
                case "schemaurl":
                    WriteString(writer, OtlpFields.ResourceSpansSchemaUrl, property.Value, path + ".schemaUrl");
                    break;
                default:
                    break;
            }
        }
    }

    private static void WriteScopeSpans(ProtoWriter writer, JsonElement element, string path)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }
            switch (Normalize(property.Name))
            {
                case "scope":
                    var scopePath = path + ".scope";
                    ExpectObject(property.Value, scopePath);
                    var bookmark = writer.BeginMessage(OtlpFields.ScopeSpansScope);
                    foreach (var sp in property.Value.EnumerateObject())
                    {
                        switch (Normalize(sp.Name))
                        {
                            case "name":
                                WriteString(writer, OtlpFields.ScopeName, sp.Value, scopePath + ".name");
                                break;
                            case "version":
                                WriteString(writer, OtlpFields.ScopeVersion, sp.Value, scopePath + ".version");
                                break;
                            case "attributes":
                                WriteKeyValues(writer, OtlpFields.ScopeAttributes, sp.Value, scopePath + ".attributes");
                                break;
                            case "droppedattributescount":
                                WriteUInt32(writer, OtlpFields.ScopeDroppedAttributesCount, sp.Value, scopePath + ".droppedAttributesCount");
                                break;
                            default:
                                break;
                        }
                    }
                    writer.EndMessage(bookmark);
                    break;
                case "spans":
                    ForEachObject(property.Value, path + ".spans", (span, spanPath) =>
                    {
                        var spanBookmark = writer.BeginMessage(OtlpFields.ScopeSpansSpans);
                        WriteSpan(writer, span, spanPath);
                        writer.EndMessage(spanBookmark);
                    });
                    break;
                case "schemaurl":
                    WriteString(writer, OtlpFields.ScopeSpansSchemaUrl, property.Value, path + ".schemaUrl");
                    break;
                default:
                    break;
            }
        }
    }

    private static void WriteSpan(ProtoWriter writer, JsonElement element, string path)
    {
        foreach (var property in element.EnumerateObject())
        {
            var value = property.Value;
            if (value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }
            switch (Normalize(property.Name))
            {
                case "traceid":
                    WriteHexId(writer, OtlpFields.SpanTraceId, value, path + ".traceId");
                    break;
                case "spanid":
                    WriteHexId(writer, OtlpFields.SpanSpanId, value, path + ".spanId");
                    break;
                case "tracestate":
                    WriteString(writer, OtlpFields.SpanTraceState, value, path + ".traceState");
                    break;
                case "parentspanid":
                    WriteHexId(writer, OtlpFields.SpanParentSpanId, value, path + ".parentSpanId");
                    break;
                case "flags":
                    writer.WriteFixed32Field(OtlpFields.SpanFlags, ReadUInt32(value, path + ".flags"));
                    break;
                case "name":
                    WriteString(writer, OtlpFields.SpanName, value, path + ".name");
                    break;
                case "kind":
                    writer.WriteVarintField(OtlpFields.SpanKind, ReadEnum(value, path + ".kind", SpanKindNames));
                    break;
                case "starttimeunixnano":
                    writer.WriteFixed64Field(OtlpFields.SpanStartTime, ReadUInt64(value, path + ".startTimeUnixNano"));
                    break;
                case "endtimeunixnano":
                    writer.WriteFixed64Field(OtlpFields.SpanEndTime, ReadUInt64(value, path + ".endTimeUnixNano"));
                    break;
                case "attributes":
                    WriteKeyValues(writer, OtlpFields.SpanAttributes, value, path + ".attributes");
                    break;
                case "droppedattributescount":
                    WriteUInt32(writer, OtlpFields.SpanDroppedAttributesCount, value, path + ".droppedAttributesCount");
                    break;
                case "events":
                    ForEachObject(value, path + ".events", (e, eventPath) =>
                    {
                        var bookmark = writer.BeginMessage(OtlpFields.SpanEvents);
                        WriteEvent(writer, e, eventPath);
                        writer.EndMessage(bookmark);
                    });
                    break;
                case "droppedeventscount":
                    WriteUInt32(writer, OtlpFields.SpanDroppedEventsCount, value, path + ".droppedEventsCount");
                    break;
                case "links":
                    ForEachObject(value, path + ".links", (l, linkPath) =>
                    {
                        var bookmark = writer.BeginMessage(OtlpFields.SpanLinks);
                        WriteLink(writer, l, linkPath);
                        writer.EndMessage(bookmark);
                    });
                    break;
                case "droppedlinkscount":
                    WriteUInt32(writer, OtlpFields.SpanDroppedLinksCount, value, path + ".droppedLinksCount");
                    break;
                case "status":
                    var statusPath = path + ".status";
                    ExpectObject(value, statusPath);
                    var statusBookmark = writer.BeginMessage(OtlpFields.SpanStatus);
                    foreach (var sp in value.EnumerateObject())
                    {
                        if (sp.Value.ValueKind == JsonValueKind.Null)
                        {
                            continue;
                        }
                        switch (Normalize(sp.Name))
                        {
                            case "message":
                                WriteString(writer, OtlpFields.StatusMessage, sp.Value, statusPath + ".message");
                                break;
                            case "code":
                                writer.WriteVarintField(OtlpFields.StatusCode, ReadEnum(sp.Value, statusPath + ".code", StatusCodeNames));
                                break;
                            default:
                                break;
                        }
                    }
                    writer.EndMessage(statusBookmark);
                    break;
                default:
                    break;
            }
        }
    }

    private static void WriteEvent(ProtoWriter writer, JsonElement element, string path)
    {
        foreach (var property in element.EnumerateObject())
        {
            var value = property.Value;
            if (value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }
            switch (Normalize(property.Name))
            {
                case "timeunixnano":
                    writer.WriteFixed64Field(OtlpFields.EventTime, ReadUInt64(value, path + ".timeUnixNano"));
                    break;
                case "name":
                    WriteString(writer, OtlpFields.EventName, value, path + ".name");
                    break;
                case "attributes":
                    WriteKeyValues(writer, OtlpFields.EventAttributes, value, path + ".attributes");
                    break;
                case "droppedattributescount":
                    WriteUInt32(writer, OtlpFields.EventDroppedAttributesCount, value, path + ".droppedAttributesCount");
                    break;
                default:
                    break;
            }
        }
    }

    private static void WriteLink(ProtoWriter writer, JsonElement element, string path)
    {
        foreach (var property in element.EnumerateObject())
        {
            var value = property.Value;
            if (value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }
            switch (Normalize(property.Name))
            {
                case "traceid":
                    WriteHexId(writer, OtlpFields.LinkTraceId, value, path + ".traceId");
                    break;
                case "spanid":
                    WriteHexId(writer, OtlpFields.LinkSpanId, value, path + ".spanId");
                    break;
                case "tracestate":
                    WriteString(writer, OtlpFields.LinkTraceState, value, path + ".traceState");
                    break;
                case "attributes":
                    WriteKeyValues(writer, OtlpFields.LinkAttributes, value, path + ".attributes");
                    break;
                case "droppedattributescount":
                    WriteUInt32(writer, OtlpFields.LinkDroppedAttributesCount, value, path + ".droppedAttributesCount");
                    break;
                case "flags":
                    writer.WriteFixed32Field(OtlpFields.LinkFlags, ReadUInt32(value, path + ".flags"));
                    break;
                default:
                    break;
            }
        }
    }

    private static void WriteKeyValues(ProtoWriter writer, int fieldNumber, JsonElement array, string path)
    {
        ForEachObject(array, path, (kv, kvPath) =>
        {
            var bookmark = writer.BeginMessage(fieldNumber);
            WriteKeyValueContent(writer, kv, kvPath);
            writer.EndMessage(bookmark);
        });
    }

    private static void WriteKeyValueContent(ProtoWriter writer, JsonElement kv, string path)
    {
        foreach (var property in kv.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }
            switch (Normalize(property.Name))
            {
                case "key":
                    WriteString(writer, OtlpFields.KeyValueKey, property.Value, path + ".key");
                    break;
                case "value":
                    var valuePath = path + ".value";
                    ExpectObject(property.Value, valuePath);
                    var bookmark = writer.BeginMessage(OtlpFields.KeyValueValue);
                    WriteAnyValueContent(writer, property.Value, valuePath);
                    writer.EndMessage(bookmark);
                    break;
                default:
                    break;
            }
        }
    }

    private static void WriteAnyValueContent(ProtoWriter writer, JsonElement anyValue, string path)
    {
        foreach (var property in anyValue.EnumerateObject())
        {
            var value = property.Value;
            if (value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }
            switch (Normalize(property.Name))
            {
                case "stringvalue":
                    WriteString(writer, OtlpFields.AnyString, value, path + ".stringValue");
                    break;
                case "boolvalue":
                    writer.WriteBoolField(OtlpFields.AnyBool, ReadBool(value, path + ".boolValue"));
                    break;
                case "intvalue":
                    writer.WriteInt64Field(OtlpFields.AnyInt, ReadInt64(value, path + ".intValue"));
                    break;
                case "doublevalue":
                    writer.WriteDoubleField(OtlpFields.AnyDouble, ReadDouble(value, path + ".doubleValue"));
                    break;
                case "bytesvalue":
                    writer.WriteBytesField(OtlpFields.AnyBytes, ReadBase64(value, path + ".bytesValue"));
                    break;
                case "arrayvalue":
                    var arrayPath = path + ".arrayValue";
                    ExpectObject(value, arrayPath);
                    var arrayBookmark = writer.BeginMessage(OtlpFields.AnyArray);
                    foreach (var ap in value.EnumerateObject())
                    {
                        if (Normalize(ap.Name) == "values" && ap.Value.ValueKind != JsonValueKind.Null)
                        {
                            ForEachObject(ap.Value, arrayPath + ".values", (item, itemPath) =>
                            {
                                var itemBookmark = writer.BeginMessage(OtlpFields.ListValues);
                                WriteAnyValueContent(writer, item, itemPath);
                                writer.EndMessage(itemBookmark);
                            });
                        }
                    }
                    writer.EndMessage(arrayBookmark);
                    break;
                case "kvlistvalue":
                    var listPath = path + ".kvlistValue";
                    ExpectObject(value, listPath);
                    var listBookmark = writer.BeginMessage(OtlpFields.AnyKvList);
                    foreach (var lp in value.EnumerateObject())
                    {
                        if (Normalize(lp.Name) == "values" && lp.Value.ValueKind != JsonValueKind.Null)
                        {
                            WriteKeyValues(writer, OtlpFields.ListValues, lp.Value, listPath + ".values");
                        }
                    }
                    writer.EndMessage(listBookmark);
                    break;
                default:
                    break;
            }
        }
    }

    /// <summary>OTLP/JSON ids are hex, not base64 as in the generic protobuf JSON mapping; an empty string means absent.</summary>
    private static void WriteHexId(ProtoWriter writer, int fieldNumber, JsonElement value, string path)
    {
        var text = ExpectString(value, path);
        if (text.Length == 0)
        {
            return;
        }
        byte[] bytes;
        try
        {
            bytes = Convert.FromHexString(text);
        }
        catch (FormatException e)
        {
            throw new FormatException($"{path}: \"{Truncate(text)}\" is not a hex id", e);
        }
        // Wrong lengths pass through: the decoder rejects those spans one by one with partial
        // success, instead of the whole request failing here.
        writer.WriteBytesField(fieldNumber, bytes);
    }

    private static void WriteString(ProtoWriter writer, int fieldNumber, JsonElement value, string path)
        => writer.WriteStringField(fieldNumber, ExpectString(value, path));

    private static void WriteUInt32(ProtoWriter writer, int fieldNumber, JsonElement value, string path)
        => writer.WriteVarintField(fieldNumber, ReadUInt32(value, path));

    private static string ExpectString(JsonElement value, string path)
        => value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new FormatException($"{path}: expected a string, got {Describe(value)}");

    private static void ExpectObject(JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{path}: expected an object, got {Describe(value)}");
        }
    }

    private static void ForEachObject(JsonElement array, string path, Action<JsonElement, string> write)
    {
        if (array.ValueKind == JsonValueKind.Null)
        {
            return;
        }
        if (array.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException($"{path}: expected an array, got {Describe(array)}");
        }
        var index = 0;
        foreach (var element in array.EnumerateArray())
        {
            var elementPath = path + "[" + index.ToString(CultureInfo.InvariantCulture) + "]";
            ExpectObject(element, elementPath);
            write(element, elementPath);
            index++;
        }
    }

    private static ulong ReadUInt64(JsonElement value, string path)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetUInt64(out var n))
        {
            return n;
        }
        if (value.ValueKind == JsonValueKind.String && ulong.TryParse(value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out n))
        {
            return n;
        }
        throw new FormatException($"{path}: expected an unsigned 64-bit integer (number or decimal string), got {Describe(value)}");
    }

    private static long ReadInt64(JsonElement value, string path)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n))
        {
            return n;
        }
        if (value.ValueKind == JsonValueKind.String && long.TryParse(value.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out n))
        {
            return n;
        }
        throw new FormatException($"{path}: expected a 64-bit integer (number or decimal string), got {Describe(value)}");
    }

    private static uint ReadUInt32(JsonElement value, string path)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetUInt32(out var n))
        {
            return n;
        }
        if (value.ValueKind == JsonValueKind.String && uint.TryParse(value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out n))
        {
            return n;
        }
        throw new FormatException($"{path}: expected an unsigned 32-bit integer, got {Describe(value)}");
    }

    private static double ReadDouble(JsonElement value, string path)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var d))
        {
            return d;
        }
        // Protobuf JSON writes non-finite doubles as the strings "NaN", "Infinity", "-Infinity".
        if (value.ValueKind == JsonValueKind.String
            && double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out d))
        {
            return d;
        }
        throw new FormatException($"{path}: expected a number, got {Describe(value)}");
    }

    private static bool ReadBool(JsonElement value, string path) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw new FormatException($"{path}: expected true or false, got {Describe(value)}"),
    };

    private static byte[] ReadBase64(JsonElement value, string path)
    {
        var text = ExpectString(value, path);
        try
        {
            // Protobuf JSON allows the URL-safe alphabet too.
            return Convert.FromBase64String(text.Replace('-', '+').Replace('_', '/'));
        }
        catch (FormatException e)
        {
            throw new FormatException($"{path}: \"{Truncate(text)}\" is not base64", e);
        }
    }

    private static ulong ReadEnum(JsonElement value, string path, string[] names)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n >= 0)
        {
            return (ulong)n;
        }
        if (value.ValueKind == JsonValueKind.String)
        {
            var text = value.GetString()!;
            for (var i = 0; i < names.Length; i++)
            {
                if (string.Equals(text, names[i], StringComparison.OrdinalIgnoreCase))
                {
                    return (ulong)i;
                }
            }
            if (uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var u))
            {
                return u;
            }
        }
        throw new FormatException($"{path}: expected an enum number or one of {string.Join(", ", names)}, got {Describe(value)}");
    }

    /// <summary>lowerCamelCase and snake_case both map to the same lower-case, underscore-free key.</summary>
    private static string Normalize(string name)
    {
        if (name.Contains('_', StringComparison.Ordinal))
        {
            name = name.Replace("_", string.Empty, StringComparison.Ordinal);
        }
        return name.ToLowerInvariant();
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"the string \"{Truncate(value.GetString()!)}\"",
        JsonValueKind.Number => $"the number {value.GetRawText()}",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        _ => value.ValueKind.ToString().ToLowerInvariant(),
    };

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
