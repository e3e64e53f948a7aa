using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using ActorTracing.Domain.Wire;

namespace ActorTracing.Domain.Otlp;

/// <summary>
/// Encodes OTLP trace export requests and responses (protobuf and OTLP/JSON) for the workload
/// generator and tests. Fields at their proto3 default are omitted, as the protobuf runtime does,
/// so the bytes match what an SDK would send.
/// </summary>
public static class OtlpEncoder
{
    private static readonly JsonWriterOptions JsonOptions = new()
    {
        // OTLP/JSON is read by humans in tests; escaping every non-ASCII char helps no one.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Encodes an ExportTraceServiceRequest into a new array.</summary>
    public static byte[] EncodeRequest(IReadOnlyList<ResourceSpansDetail> resourceSpans)
    {
        var writer = new ProtoWriter(1024);
        EncodeRequest(resourceSpans, writer);
        return writer.ToArray();
    }

    /// <summary>
    /// Encodes an ExportTraceServiceRequest into <paramref name="writer"/> after resetting it; returns
    /// the length. The hot generator reuses one writer per thread so encoding allocates nothing.
    /// </summary>
    public static int EncodeRequest(IReadOnlyList<ResourceSpansDetail> resourceSpans, ProtoWriter writer)
    {
        ArgumentNullException.ThrowIfNull(resourceSpans);
        ArgumentNullException.ThrowIfNull(writer);
        writer.Reset();
        for (var r = 0; r < resourceSpans.Count; r++)
        {
            var rs = resourceSpans[r];
            var rsBookmark = writer.BeginMessage(OtlpFields.RequestResourceSpans);
            var resourceBookmark = writer.BeginMessage(OtlpFields.ResourceSpansResource);
            OtlpAnyValue.WriteAttributes(writer, OtlpFields.ResourceAttributes, rs.ResourceAttributes);
            writer.EndMessage(resourceBookmark);
            for (var s = 0; s < rs.ScopeSpans.Count; s++)
            {
                var ss = rs.ScopeSpans[s];
                var ssBookmark = writer.BeginMessage(OtlpFields.ResourceSpansScopeSpans);
                var scopeBookmark = writer.BeginMessage(OtlpFields.ScopeSpansScope);
                WriteScopeContent(writer, ss.Scope);
                writer.EndMessage(scopeBookmark);
                for (var i = 0; i < ss.Spans.Count; i++)
                {
                    var spanBookmark = writer.BeginMessage(OtlpFields.ScopeSpansSpans);
                    WriteSpanContent(writer, ss.Spans[i]);
                    writer.EndMessage(spanBookmark);
                }
                WriteStringIfAny(writer, OtlpFields.ScopeSpansSchemaUrl, ss.SchemaUrl);
                writer.EndMessage(ssBookmark);
            }
            WriteStringIfAny(writer, OtlpFields.ResourceSpansSchemaUrl, rs.SchemaUrl);
            writer.EndMessage(rsBookmark);
        }
        return writer.Length;
    }

    /// <summary>Encodes one OTLP <c>Span</c> message on its own (no field tag): what <see cref="BufferedSpan.Raw"/> holds.</summary>
    public static byte[] EncodeSpan(SpanDetail span)
    {
        ArgumentNullException.ThrowIfNull(span);
        var writer = new ProtoWriter(256);
        WriteSpanContent(writer, span);
        return writer.ToArray();
    }

    /// <summary>Encodes one OTLP <c>Resource</c> message on its own: what <see cref="SpanOrigin.Resource"/> holds.</summary>
    public static byte[] EncodeResource(IReadOnlyList<KeyValuePair<string, AttributeValue>> attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        var writer = new ProtoWriter(256);
        OtlpAnyValue.WriteAttributes(writer, OtlpFields.ResourceAttributes, attributes);
        return writer.ToArray();
    }

    /// <summary>Encodes one OTLP <c>InstrumentationScope</c> message on its own: what <see cref="SpanOrigin.Scope"/> holds.</summary>
    public static byte[] EncodeScope(ScopeDetail scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var writer = new ProtoWriter(128);
        WriteScopeContent(writer, scope);
        return writer.ToArray();
    }

    /// <summary>
    /// Encodes an ExportTraceServiceResponse. No rejected spans and no message means full success,
    /// which OTLP encodes as an empty response (no partial_success field).
    /// </summary>
    public static byte[] EncodeResponse(long rejectedSpans, string? errorMessage)
    {
        if (rejectedSpans == 0 && string.IsNullOrEmpty(errorMessage))
        {
            return [];
        }
        var writer = new ProtoWriter(64 + (errorMessage?.Length ?? 0) * 3);
        var bookmark = writer.BeginMessage(OtlpFields.ResponsePartialSuccess);
        if (rejectedSpans != 0)
        {
            writer.WriteInt64Field(OtlpFields.PartialSuccessRejectedSpans, rejectedSpans);
        }
        WriteStringIfAny(writer, OtlpFields.PartialSuccessErrorMessage, errorMessage);
        writer.EndMessage(bookmark);
        return writer.ToArray();
    }

    /// <summary>
    /// Encodes an ExportTraceServiceRequest as OTLP/JSON (UTF-8): lowerCamelCase keys, ids as hex,
    /// 64-bit integers as decimal strings, enums as integers — the spec's encoding.
    /// </summary>
    public static byte[] EncodeRequestJson(IReadOnlyList<ResourceSpansDetail> resourceSpans)
    {
        ArgumentNullException.ThrowIfNull(resourceSpans);
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer, JsonOptions))
        {
            json.WriteStartObject();
            json.WriteStartArray("resourceSpans");
            foreach (var rs in resourceSpans)
            {
                json.WriteStartObject();
                json.WriteStartObject("resource");
                OtlpAnyValue.WriteJsonAttributes(json, "attributes", rs.ResourceAttributes);
                json.WriteEndObject();
                json.WriteStartArray("scopeSpans");
                foreach (var ss in rs.ScopeSpans)
                {
                    json.WriteStartObject();
                    json.WriteStartObject("scope");
                    json.WriteString("name", ss.Scope.Name);
                    json.WriteString("version", ss.Scope.Version);
                    OtlpAnyValue.WriteJsonAttributes(json, "attributes", ss.Scope.Attributes);
                    WriteJsonCount(json, "droppedAttributesCount", ss.Scope.DroppedAttributesCount);
                    json.WriteEndObject();
                    json.WriteStartArray("spans");
                    foreach (var span in ss.Spans)
                    {
                        WriteSpanJson(json, span);
                    }
                    json.WriteEndArray();
                    json.WriteString("schemaUrl", ss.SchemaUrl);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteString("schemaUrl", rs.SchemaUrl);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteSpanJson(Utf8JsonWriter json, SpanDetail span)
    {
        json.WriteStartObject();
        json.WriteString("traceId", span.TraceId.ToHex());
        json.WriteString("spanId", span.SpanId.ToHex());
        if (span.TraceState.Length > 0)
        {
            json.WriteString("traceState", span.TraceState);
        }
        json.WriteString("parentSpanId", span.ParentSpanId.ToHex());
        if (span.Flags != 0)
        {
            json.WriteNumber("flags", span.Flags);
        }
        json.WriteString("name", span.Name);
        json.WriteNumber("kind", (int)span.Kind);
        json.WriteString("startTimeUnixNano", span.StartUnixNano.ToString(CultureInfo.InvariantCulture));
        json.WriteString("endTimeUnixNano", span.EndUnixNano.ToString(CultureInfo.InvariantCulture));
        OtlpAnyValue.WriteJsonAttributes(json, "attributes", span.Attributes);
        WriteJsonCount(json, "droppedAttributesCount", span.DroppedAttributesCount);
        json.WriteStartArray("events");
        foreach (var e in span.Events)
        {
            json.WriteStartObject();
            json.WriteString("timeUnixNano", e.TimeUnixNano.ToString(CultureInfo.InvariantCulture));
            json.WriteString("name", e.Name);
            OtlpAnyValue.WriteJsonAttributes(json, "attributes", e.Attributes);
            WriteJsonCount(json, "droppedAttributesCount", e.DroppedAttributesCount);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        WriteJsonCount(json, "droppedEventsCount", span.DroppedEventsCount);
        json.WriteStartArray("links");
        foreach (var l in span.Links)
        {
            json.WriteStartObject();
            json.WriteString("traceId", l.TraceId.ToHex());
            json.WriteString("spanId", l.SpanId.ToHex());
            if (l.TraceState.Length > 0)
            {
                json.WriteString("traceState", l.TraceState);
            }
            OtlpAnyValue.WriteJsonAttributes(json, "attributes", l.Attributes);
            WriteJsonCount(json, "droppedAttributesCount", l.DroppedAttributesCount);
            if (l.Flags != 0)
            {
                json.WriteNumber("flags", l.Flags);
            }
            json.WriteEndObject();
        }
        json.WriteEndArray();
        WriteJsonCount(json, "droppedLinksCount", span.DroppedLinksCount);
        json.WriteStartObject("status");
        if (span.StatusMessage.Length > 0)
        {
            json.WriteString("message", span.StatusMessage);
        }
        if (span.StatusCode != SpanStatusCode.Unset)
        {
            json.WriteNumber("code", (int)span.StatusCode);
        }
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteJsonCount(Utf8JsonWriter json, string name, uint value)
    {
        if (value != 0)
        {
            json.WriteNumber(name, value);
        }
    }

    private static void WriteScopeContent(ProtoWriter writer, ScopeDetail scope)
    {
        WriteStringIfAny(writer, OtlpFields.ScopeName, scope.Name);
        WriteStringIfAny(writer, OtlpFields.ScopeVersion, scope.Version);
        OtlpAnyValue.WriteAttributes(writer, OtlpFields.ScopeAttributes, scope.Attributes);
        WriteVarintIfAny(writer, OtlpFields.ScopeDroppedAttributesCount, scope.DroppedAttributesCount);
    }

    private static void WriteSpanContent(ProtoWriter writer, SpanDetail span)
    {
        Span<byte> id = stackalloc byte[TraceId.ByteLength];
        span.TraceId.WriteTo(id);
        writer.WriteBytesField(OtlpFields.SpanTraceId, id);
        span.SpanId.WriteTo(id);
        writer.WriteBytesField(OtlpFields.SpanSpanId, id[..SpanId.ByteLength]);
        WriteStringIfAny(writer, OtlpFields.SpanTraceState, span.TraceState);
        if (!span.ParentSpanId.IsEmpty)
        {
            span.ParentSpanId.WriteTo(id);
            writer.WriteBytesField(OtlpFields.SpanParentSpanId, id[..SpanId.ByteLength]);
        }
        WriteStringIfAny(writer, OtlpFields.SpanName, span.Name);
        WriteVarintIfAny(writer, OtlpFields.SpanKind, (uint)span.Kind);
        if (span.StartUnixNano != 0)
        {
            writer.WriteFixed64Field(OtlpFields.SpanStartTime, span.StartUnixNano);
        }
        if (span.EndUnixNano != 0)
        {
            writer.WriteFixed64Field(OtlpFields.SpanEndTime, span.EndUnixNano);
        }
        OtlpAnyValue.WriteAttributes(writer, OtlpFields.SpanAttributes, span.Attributes);
        WriteVarintIfAny(writer, OtlpFields.SpanDroppedAttributesCount, span.DroppedAttributesCount);
        for (var i = 0; i < span.Events.Count; i++)
        {
            var e = span.Events[i];
            var bookmark = writer.BeginMessage(OtlpFields.SpanEvents);
            if (e.TimeUnixNano != 0)
            {
                writer.WriteFixed64Field(OtlpFields.EventTime, e.TimeUnixNano);
            }
            WriteStringIfAny(writer, OtlpFields.EventName, e.Name);
            OtlpAnyValue.WriteAttributes(writer, OtlpFields.EventAttributes, e.Attributes);
            WriteVarintIfAny(writer, OtlpFields.EventDroppedAttributesCount, e.DroppedAttributesCount);
            writer.EndMessage(bookmark);
        }
        WriteVarintIfAny(writer, OtlpFields.SpanDroppedEventsCount, span.DroppedEventsCount);
        for (var i = 0; i < span.Links.Count; i++)
        {
            var l = span.Links[i];
            var bookmark = writer.BeginMessage(OtlpFields.SpanLinks);
            l.TraceId.WriteTo(id);
            writer.WriteBytesField(OtlpFields.LinkTraceId, id);
            l.SpanId.WriteTo(id);
            writer.WriteBytesField(OtlpFields.LinkSpanId, id[..SpanId.ByteLength]);
            WriteStringIfAny(writer, OtlpFields.LinkTraceState, l.TraceState);
            OtlpAnyValue.WriteAttributes(writer, OtlpFields.LinkAttributes, l.Attributes);
            WriteVarintIfAny(writer, OtlpFields.LinkDroppedAttributesCount, l.DroppedAttributesCount);
            if (l.Flags != 0)
            {
                writer.WriteFixed32Field(OtlpFields.LinkFlags, l.Flags);
            }
            writer.EndMessage(bookmark);
        }
        WriteVarintIfAny(writer, OtlpFields.SpanDroppedLinksCount, span.DroppedLinksCount);
        if (span.StatusCode != SpanStatusCode.Unset || span.StatusMessage.Length > 0)
        {
            var bookmark = writer.BeginMessage(OtlpFields.SpanStatus);
            WriteStringIfAny(writer, OtlpFields.StatusMessage, span.StatusMessage);
            WriteVarintIfAny(writer, OtlpFields.StatusCode, (uint)span.StatusCode);
            writer.EndMessage(bookmark);
        }
        if (span.Flags != 0)
        {
            writer.WriteFixed32Field(OtlpFields.SpanFlags, span.Flags);
        }
    }

    private static void WriteStringIfAny(ProtoWriter writer, int fieldNumber, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            writer.WriteStringField(fieldNumber, value);
        }
    }

    private static void WriteVarintIfAny(ProtoWriter writer, int fieldNumber, uint value)
    {
        if (value != 0)
        {
            writer.WriteVarintField(fieldNumber, value);
        }
    }
}
