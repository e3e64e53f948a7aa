using System.Buffers.Binary;
using ActorTracing.Domain.Wire;

namespace ActorTracing.Domain.Otlp;

/// <summary>
/// Full decoding of OTLP messages, for the spans that are kept (storage) and for queries. Unlike
/// <see cref="OtlpTraceDecoder"/> it reads every field, and it does not validate ids: the hot
/// decoder already rejected spans with invalid ids before they could be kept.
/// </summary>
public static class OtlpSpanDecoder
{
    /// <summary>Decodes one OTLP <c>Span</c> message (the bytes of <see cref="BufferedSpan.Raw"/>).</summary>
    public static SpanDetail DecodeSpan(ReadOnlySpan<byte> span)
    {
        TraceId traceId = default;
        SpanId spanId = default;
        SpanId parent = default;
        var traceState = string.Empty;
        uint flags = 0;
        var name = string.Empty;
        ulong kind = 0;
        ulong start = 0;
        ulong end = 0;
        List<KeyValuePair<string, AttributeValue>>? attributes = null;
        uint droppedAttributes = 0;
        List<SpanEventDetail>? events = null;
        uint droppedEvents = 0;
        List<SpanLinkDetail>? links = null;
        uint droppedLinks = 0;
        ulong statusCode = 0;
        var statusMessage = string.Empty;

        var reader = new ProtoReader(span);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field)
            {
                case OtlpFields.SpanTraceId:
                    reader.Expect(wireType, WireType.LengthDelimited, "Span.trace_id");
                    traceId = ReadTraceId(reader.ReadLengthDelimited());
                    break;
                case OtlpFields.SpanSpanId:
                    reader.Expect(wireType, WireType.LengthDelimited, "Span.span_id");
                    spanId = ReadSpanId(reader.ReadLengthDelimited());
                    break;
                case OtlpFields.SpanTraceState:
                    reader.Expect(wireType, WireType.LengthDelimited, "Span.trace_state");
                    traceState = OtlpAnyValue.ReadUtf8(reader.ReadLengthDelimited());
                    break;
                case OtlpFields.SpanParentSpanId:
                    reader.Expect(wireType, WireType.LengthDelimited, "Span.parent_span_id");
                    parent = ReadSpanId(reader.ReadLengthDelimited());
                    break;
                case OtlpFields.SpanName:
                    reader.Expect(wireType, WireType.LengthDelimited, "Span.name");
                    name = Utf8StringCache.Get(reader.ReadLengthDelimited());
                    break;
                case OtlpFields.SpanKind:
                    reader.Expect(wireType, WireType.Varint, "Span.kind");
                    kind = reader.ReadVarint();
                    break;
                case OtlpFields.SpanStartTime:
                    reader.Expect(wireType, WireType.Fixed64, "Span.start_time_unix_nano");
                    start = reader.ReadFixed64();
                    break;
                case OtlpFields.SpanEndTime:
                    reader.Expect(wireType, WireType.Fixed64, "Span.end_time_unix_nano");
                    end = reader.ReadFixed64();
                    break;
                case OtlpFields.SpanAttributes:
                    reader.Expect(wireType, WireType.LengthDelimited, "Span.attributes");
                    (attributes ??= []).Add(OtlpAnyValue.ReadKeyValue(reader.ReadLengthDelimited()));
                    break;
                case OtlpFields.SpanDroppedAttributesCount:
                    reader.Expect(wireType, WireType.Varint, "Span.dropped_attributes_count");
                    droppedAttributes = (uint)reader.ReadVarint();
                    break;
                case OtlpFields.SpanEvents:
                    reader.Expect(wireType, WireType.LengthDelimited, "Span.events");
                    (events ??= []).Add(DecodeEvent(reader.ReadLengthDelimited()));
                    break;
                case OtlpFields.SpanDroppedEventsCount:
                    reader.Expect(wireType, WireType.Varint, "Span.dropped_events_count");
                    droppedEvents = (uint)reader.ReadVarint();
                    break;
                case OtlpFields.SpanLinks:
                    reader.Expect(wireType, WireType.LengthDelimited, "Span.links");
                    (links ??= []).Add(DecodeLink(reader.ReadLengthDelimited()));
                    break;
                case OtlpFields.SpanDroppedLinksCount:
                    reader.Expect(wireType, WireType.Varint, "Span.dropped_links_count");
                    droppedLinks = (uint)reader.ReadVarint();
                    break;
                case OtlpFields.SpanStatus:
                    reader.Expect(wireType, WireType.LengthDelimited, "Span.status");
                    (statusCode, statusMessage) = DecodeStatus(reader.ReadLengthDelimited());
                    break;
                case OtlpFields.SpanFlags:
                    reader.Expect(wireType, WireType.Fixed32, "Span.flags");
                    flags = reader.ReadFixed32();
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }

        return new SpanDetail
        {
            TraceId = traceId,
            SpanId = spanId,
            ParentSpanId = parent,
            TraceState = traceState,
            Flags = flags,
            Name = name,
            Kind = kind <= (ulong)SpanKind.Consumer ? (SpanKind)kind : SpanKind.Unspecified,
            StartUnixNano = start,
            EndUnixNano = end,
            Attributes = (IReadOnlyList<KeyValuePair<string, AttributeValue>>?)attributes ?? [],
            DroppedAttributesCount = droppedAttributes,
            Events = (IReadOnlyList<SpanEventDetail>?)events ?? [],
            DroppedEventsCount = droppedEvents,
            Links = (IReadOnlyList<SpanLinkDetail>?)links ?? [],
            DroppedLinksCount = droppedLinks,
            StatusCode = statusCode <= (ulong)SpanStatusCode.Error ? (SpanStatusCode)statusCode : SpanStatusCode.Unset,
            StatusMessage = statusMessage,
        };
    }

    /// <summary>Decodes an OTLP <c>Resource</c> message's attributes (the bytes of <see cref="SpanOrigin.Resource"/>).</summary>
    public static IReadOnlyList<KeyValuePair<string, AttributeValue>> DecodeResourceAttributes(ReadOnlySpan<byte> resource)
    {
        List<KeyValuePair<string, AttributeValue>>? attributes = null;
        var reader = new ProtoReader(resource);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            if (field == OtlpFields.ResourceAttributes)
            {
                reader.Expect(wireType, WireType.LengthDelimited, "Resource.attributes");
                (attributes ??= []).Add(OtlpAnyValue.ReadKeyValue(reader.ReadLengthDelimited()));
            }
            else
            {
                reader.Skip(wireType);
            }
        }
        return (IReadOnlyList<KeyValuePair<string, AttributeValue>>?)attributes ?? [];
    }

    /// <summary>Decodes an OTLP <c>InstrumentationScope</c> message (the bytes of <see cref="SpanOrigin.Scope"/>).</summary>
    public static ScopeDetail DecodeScope(ReadOnlySpan<byte> scope)
    {
        var name = string.Empty;
        var version = string.Empty;
        List<KeyValuePair<string, AttributeValue>>? attributes = null;
        uint dropped = 0;
        var reader = new ProtoReader(scope);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field)
            {
                case OtlpFields.ScopeName:
                    reader.Expect(wireType, WireType.LengthDelimited, "InstrumentationScope.name");
                    name = Utf8StringCache.Get(reader.ReadLengthDelimited());
                    break;
                case OtlpFields.ScopeVersion:
                    reader.Expect(wireType, WireType.LengthDelimited, "InstrumentationScope.version");
                    version = Utf8StringCache.Get(reader.ReadLengthDelimited());
                    break;
                case OtlpFields.ScopeAttributes:
                    reader.Expect(wireType, WireType.LengthDelimited, "InstrumentationScope.attributes");
                    (attributes ??= []).Add(OtlpAnyValue.ReadKeyValue(reader.ReadLengthDelimited()));
                    break;
                case OtlpFields.ScopeDroppedAttributesCount:
                    reader.Expect(wireType, WireType.Varint, "InstrumentationScope.dropped_attributes_count");
                    dropped = (uint)reader.ReadVarint();
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }
        return new ScopeDetail(name, version, (IReadOnlyList<KeyValuePair<string, AttributeValue>>?)attributes ?? [], dropped);
    }

    /// <summary>
    /// Decodes a whole ExportTraceServiceRequest into detail records, for tools and tests that want
    /// every field (the ingest path uses <see cref="OtlpTraceDecoder"/>).
    /// </summary>
    public static IReadOnlyList<ResourceSpansDetail> DecodeRequest(ReadOnlySpan<byte> request)
    {
        var result = new List<ResourceSpansDetail>();
        var reader = new ProtoReader(request);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            if (field != OtlpFields.RequestResourceSpans)
            {
                reader.Skip(wireType);
                continue;
            }
            reader.Expect(wireType, WireType.LengthDelimited, "ExportTraceServiceRequest.resource_spans");
            result.Add(DecodeResourceSpans(reader.ReadLengthDelimited()));
        }
        return result;
    }

    /// <summary>Decodes an ExportTraceServiceResponse: (rejected spans, error message), both default on full success.</summary>
    public static (long RejectedSpans, string ErrorMessage) DecodeResponse(ReadOnlySpan<byte> response)
    {
        long rejected = 0;
        var message = string.Empty;
        var reader = new ProtoReader(response);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            if (field != OtlpFields.ResponsePartialSuccess)
            {
                reader.Skip(wireType);
                continue;
            }
            reader.Expect(wireType, WireType.LengthDelimited, "ExportTraceServiceResponse.partial_success");
            var partial = new ProtoReader(reader.ReadLengthDelimited());
            while (partial.TryReadTag(out var pField, out var pWire))
            {
                switch (pField)
                {
                    case OtlpFields.PartialSuccessRejectedSpans:
                        partial.Expect(pWire, WireType.Varint, "ExportTracePartialSuccess.rejected_spans");
                        rejected = unchecked((long)partial.ReadVarint());
                        break;
                    case OtlpFields.PartialSuccessErrorMessage:
                        partial.Expect(pWire, WireType.LengthDelimited, "ExportTracePartialSuccess.error_message");
                        message = OtlpAnyValue.ReadUtf8(partial.ReadLengthDelimited());
                        break;
                    default:
                        partial.Skip(pWire);
                        break;
                }
            }
        }
        return (rejected, message);
    }

    private static ResourceSpansDetail DecodeResourceSpans(ReadOnlySpan<byte> resourceSpans)
    {
        IReadOnlyList<KeyValuePair<string, AttributeValue>> resource = [];
        var scopeSpans = new List<ScopeSpansDetail>();
        var schemaUrl = string.Empty;
        var reader = new ProtoReader(resourceSpans);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field)
            {
                case OtlpFields.ResourceSpansResource:
                    reader.Expect(wireType, WireType.LengthDelimited, "ResourceSpans.resource");
                    resource = DecodeResourceAttributes(reader.ReadLengthDelimited());
                    break;
                case OtlpFields.ResourceSpansScopeSpans:
                    reader.Expect(wireType, WireType.LengthDelimited, "ResourceSpans.scope_spans");
                    scopeSpans.Add(DecodeScopeSpans(reader.ReadLengthDelimited()));
                    break;
                case OtlpFields.ResourceSpansSchemaUrl:
                    reader.Expect(wireType, WireType.LengthDelimited, "ResourceSpans.schema_url");
                    schemaUrl = OtlpAnyValue.ReadUtf8(reader.ReadLengthDelimited());
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }
        return new ResourceSpansDetail(resource, scopeSpans, schemaUrl);
    }

    private static ScopeSpansDetail DecodeScopeSpans(ReadOnlySpan<byte> scopeSpans)
    {
        var scope = new ScopeDetail(string.Empty, string.Empty, []);
        var spans = new List<SpanDetail>();
        var schemaUrl = string.Empty;
        var reader = new ProtoReader(scopeSpans);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field)
            {
                case OtlpFields.ScopeSpansScope:
                    reader.Expect(wireType, WireType.LengthDelimited, "ScopeSpans.scope");
                    scope = DecodeScope(reader.ReadLengthDelimited());
                    break;
                case OtlpFields.ScopeSpansSpans:
                    reader.Expect(wireType, WireType.LengthDelimited, "ScopeSpans.spans");
                    spans.Add(DecodeSpan(reader.ReadLengthDelimited()));
                    break;
                case OtlpFields.ScopeSpansSchemaUrl:
                    reader.Expect(wireType, WireType.LengthDelimited, "ScopeSpans.schema_url");
                    schemaUrl = OtlpAnyValue.ReadUtf8(reader.ReadLengthDelimited());
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }
        return new ScopeSpansDetail(scope, spans, schemaUrl);
    }

    private static SpanEventDetail DecodeEvent(ReadOnlySpan<byte> spanEvent)
    {
        ulong time = 0;
        var name = string.Empty;
        List<KeyValuePair<string, AttributeValue>>? attributes = null;
        uint dropped = 0;
        var reader = new ProtoReader(spanEvent);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field)
            {
                case OtlpFields.EventTime:
                    reader.Expect(wireType, WireType.Fixed64, "Span.Event.time_unix_nano");
                    time = reader.ReadFixed64();
                    break;
                case OtlpFields.EventName:
                    reader.Expect(wireType, WireType.LengthDelimited, "Span.Event.name");
                    name = Utf8StringCache.Get(reader.ReadLengthDelimited());
                    break;
                case OtlpFields.EventAttributes:
                    reader.Expect(wireType, WireType.LengthDelimited, "Span.Event.attributes");
                    (attributes ??= []).Add(OtlpAnyValue.ReadKeyValue(reader.ReadLengthDelimited()));
                    break;
                case OtlpFields.EventDroppedAttributesCount:
                    reader.Expect(wireType, WireType.Varint, "Span.Event.dropped_attributes_count");
                    dropped = (uint)reader.ReadVarint();
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }
        return new SpanEventDetail(time, name, (IReadOnlyList<KeyValuePair<string, AttributeValue>>?)attributes ?? [], dropped);
    }

    private static SpanLinkDetail DecodeLink(ReadOnlySpan<byte> link)
    {
        TraceId traceId = default;
        SpanId spanId = default;
        var traceState = string.Empty;
        List<KeyValuePair<string, AttributeValue>>? attributes = null;
        uint dropped = 0;
        uint flags = 0;
        var reader = new ProtoReader(link);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field)
            {
                case OtlpFields.LinkTraceId:
                    reader.Expect(wireType, WireType.LengthDelimited, "Span.Link.trace_id");
                    traceId = ReadTraceId(reader.ReadLengthDelimited());
                    break;
                case OtlpFields.LinkSpanId:
                    reader.Expect(wireType, WireType.LengthDelimited, "Span.Link.span_id");
                    spanId = ReadSpanId(reader.ReadLengthDelimited());
                    break;
                case OtlpFields.LinkTraceState:
                    reader.Expect(wireType, WireType.LengthDelimited, "Span.Link.trace_state");
                    traceState = OtlpAnyValue.ReadUtf8(reader.ReadLengthDelimited());
                    break;
                case OtlpFields.LinkAttributes:
                    reader.Expect(wireType, WireType.LengthDelimited, "Span.Link.attributes");
                    (attributes ??= []).Add(OtlpAnyValue.ReadKeyValue(reader.ReadLengthDelimited()));
                    break;
                case OtlpFields.LinkDroppedAttributesCount:
                    reader.Expect(wireType, WireType.Varint, "Span.Link.dropped_attributes_count");
                    dropped = (uint)reader.ReadVarint();
                    break;
                case OtlpFields.LinkFlags:
                    reader.Expect(wireType, WireType.Fixed32, "Span.Link.flags");
                    flags = reader.ReadFixed32();
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }
        return new SpanLinkDetail(traceId, spanId, traceState, (IReadOnlyList<KeyValuePair<string, AttributeValue>>?)attributes ?? [], dropped, flags);
    }

    private static (ulong Code, string Message) DecodeStatus(ReadOnlySpan<byte> status)
    {
        ulong code = 0;
        var message = string.Empty;
        var reader = new ProtoReader(status);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field)
            {
                case OtlpFields.StatusMessage:
                    reader.Expect(wireType, WireType.LengthDelimited, "Status.message");
                    message = OtlpAnyValue.ReadUtf8(reader.ReadLengthDelimited());
                    break;
                case OtlpFields.StatusCode:
                    reader.Expect(wireType, WireType.Varint, "Status.code");
                    code = reader.ReadVarint();
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }
        return (code, message);
    }

    // Ids of the wrong length read as empty: storage and queries show them as absent rather than
    // failing a whole batch on one link from a buggy SDK.
    public static TraceId ReadTraceId(ReadOnlySpan<byte> bytes)
        => bytes.Length == TraceId.ByteLength
            ? new TraceId(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]))
            : default;

    public static SpanId ReadSpanId(ReadOnlySpan<byte> bytes)
        => bytes.Length == SpanId.ByteLength ? new SpanId(BinaryPrimitives.ReadUInt64BigEndian(bytes)) : default;
}
