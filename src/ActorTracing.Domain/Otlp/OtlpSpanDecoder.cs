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
        var fields = OtlpSpanFields.Read(span);
        var status = OtlpStatusFields.Read(fields.Status);
        return new SpanDetail
        {
            TraceId = ReadTraceId(fields.TraceId),
            SpanId = ReadSpanId(fields.SpanId),
            ParentSpanId = ReadSpanId(fields.ParentSpanId),
            TraceState = OtlpAnyValue.ReadUtf8(fields.TraceState),
            Flags = fields.Flags,
            Name = Utf8StringCache.Get(fields.Name),
            Kind = fields.SpanKind,
            StartUnixNano = fields.StartUnixNano,
            EndUnixNano = fields.EndUnixNano,
            Attributes = ReadKeyValues(span, OtlpFields.SpanAttributes, fields.AttributeCount),
            DroppedAttributesCount = fields.DroppedAttributesCount,
            Events = DecodeAll(span, OtlpFields.SpanEvents, fields.EventCount, static item => DecodeEvent(item)),
            DroppedEventsCount = fields.DroppedEventsCount,
            Links = DecodeAll(span, OtlpFields.SpanLinks, fields.LinkCount, static item => DecodeLink(item)),
            DroppedLinksCount = fields.DroppedLinksCount,
            StatusCode = status.StatusCode,
            StatusMessage = OtlpAnyValue.ReadUtf8(status.Message),
        };
    }

    private delegate T ItemDecoder<out T>(ReadOnlySpan<byte> item);

    private static IReadOnlyList<T> DecodeAll<T>(ReadOnlySpan<byte> message, int field, int count, ItemDecoder<T> decode)
    {
        if (count == 0)
        {
            return [];
        }
        var items = new List<T>(count);
        foreach (var item in OtlpRepeated.Of(message, field))
        {
            items.Add(decode(item));
        }
        return items;
    }

    private static IReadOnlyList<KeyValuePair<string, AttributeValue>> ReadKeyValues(ReadOnlySpan<byte> message, int field, int count)
        => DecodeAll(message, field, count, static item => OtlpAnyValue.ReadKeyValue(item));

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
        var fields = OtlpEventFields.Read(spanEvent);
        return new SpanEventDetail(
            fields.TimeUnixNano,
            Utf8StringCache.Get(fields.Name),
            ReadKeyValues(spanEvent, OtlpFields.EventAttributes, fields.AttributeCount),
            fields.DroppedAttributesCount);
    }

    private static SpanLinkDetail DecodeLink(ReadOnlySpan<byte> link)
    {
        var fields = OtlpLinkFields.Read(link);
        return new SpanLinkDetail(
            ReadTraceId(fields.TraceId),
            ReadSpanId(fields.SpanId),
            OtlpAnyValue.ReadUtf8(fields.TraceState),
            ReadKeyValues(link, OtlpFields.LinkAttributes, fields.AttributeCount),
            fields.DroppedAttributesCount,
            fields.Flags);
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
