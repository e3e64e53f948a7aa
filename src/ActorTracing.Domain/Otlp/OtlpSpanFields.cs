using ActorTracing.Domain.Wire;

namespace ActorTracing.Domain.Otlp;

/// <summary>
/// The single fields of an OTLP <c>Span</c> read in place (text as UTF-8 bytes, nothing decoded)
/// and how many attributes, events and links follow. One walk of the message, checking every
/// known field's wire type: the one reading of a span's layout that both the full decoder
/// (<see cref="OtlpSpanDecoder.DecodeSpan"/>) and storage's row writer (which copies the bytes
/// into RowBinary without decoding them) use. A field that occurs twice: the last one counts,
/// as protobuf parsers do.
/// </summary>
/// <exception cref="ProtoFormatException">The bytes are not a valid span.</exception>
public readonly ref struct OtlpSpanFields
{
    public ReadOnlySpan<byte> TraceId { get; private init; }

    public ReadOnlySpan<byte> SpanId { get; private init; }

    public ReadOnlySpan<byte> ParentSpanId { get; private init; }

    public ReadOnlySpan<byte> TraceState { get; private init; }

    public ReadOnlySpan<byte> Name { get; private init; }

    /// <summary>The Status message, empty when absent (<see cref="OtlpStatusFields"/> reads it).</summary>
    public ReadOnlySpan<byte> Status { get; private init; }

    public ulong Kind { get; private init; }

    public ulong StartUnixNano { get; private init; }

    public ulong EndUnixNano { get; private init; }

    public uint Flags { get; private init; }

    public uint DroppedAttributesCount { get; private init; }

    public uint DroppedEventsCount { get; private init; }

    public uint DroppedLinksCount { get; private init; }

    public int AttributeCount { get; private init; }

    public int EventCount { get; private init; }

    public int LinkCount { get; private init; }

    /// <summary>The kind as the model knows it; an unknown value is Unspecified.</summary>
    public SpanKind SpanKind => Kind <= (ulong)Domain.SpanKind.Consumer ? (SpanKind)Kind : Domain.SpanKind.Unspecified;

    public static OtlpSpanFields Read(ReadOnlySpan<byte> span)
    {
        ReadOnlySpan<byte> traceId = default, spanId = default, parent = default, traceState = default, name = default, status = default;
        ulong kind = 0, start = 0, end = 0;
        uint flags = 0, droppedAttributes = 0, droppedEvents = 0, droppedLinks = 0;
        int attributes = 0, events = 0, links = 0;
        var reader = new ProtoReader(span);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field)
            {
                case OtlpFields.SpanTraceId:
                    reader.Expect(wireType, WireType.LengthDelimited, "Span.trace_id");
                    traceId = reader.ReadLengthDelimited();
                    break;
                case OtlpFields.SpanSpanId:
                    reader.Expect(wireType, WireType.LengthDelimited, "Span.span_id");
                    spanId = reader.ReadLengthDelimited();
                    break;
                case OtlpFields.SpanTraceState:
                    reader.Expect(wireType, WireType.LengthDelimited, "Span.trace_state");
                    traceState = reader.ReadLengthDelimited();
                    break;
                case OtlpFields.SpanParentSpanId:
                    reader.Expect(wireType, WireType.LengthDelimited, "Span.parent_span_id");
                    parent = reader.ReadLengthDelimited();
                    break;
                case OtlpFields.SpanName:
                    reader.Expect(wireType, WireType.LengthDelimited, "Span.name");
                    name = reader.ReadLengthDelimited();
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
                    reader.ReadLengthDelimited();
                    attributes++;
                    break;
                case OtlpFields.SpanDroppedAttributesCount:
                    reader.Expect(wireType, WireType.Varint, "Span.dropped_attributes_count");
                    droppedAttributes = (uint)reader.ReadVarint();
                    break;
                case OtlpFields.SpanEvents:
                    reader.Expect(wireType, WireType.LengthDelimited, "Span.events");
                    reader.ReadLengthDelimited();
                    events++;
                    break;
                case OtlpFields.SpanDroppedEventsCount:
                    reader.Expect(wireType, WireType.Varint, "Span.dropped_events_count");
                    droppedEvents = (uint)reader.ReadVarint();
                    break;
                case OtlpFields.SpanLinks:
                    reader.Expect(wireType, WireType.LengthDelimited, "Span.links");
                    reader.ReadLengthDelimited();
                    links++;
                    break;
                case OtlpFields.SpanDroppedLinksCount:
                    reader.Expect(wireType, WireType.Varint, "Span.dropped_links_count");
                    droppedLinks = (uint)reader.ReadVarint();
                    break;
                case OtlpFields.SpanStatus:
                    reader.Expect(wireType, WireType.LengthDelimited, "Span.status");
                    status = reader.ReadLengthDelimited();
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
        return new OtlpSpanFields
        {
            TraceId = traceId,
            SpanId = spanId,
            ParentSpanId = parent,
            TraceState = traceState,
            Name = name,
            Status = status,
            Kind = kind,
            StartUnixNano = start,
            EndUnixNano = end,
            Flags = flags,
            DroppedAttributesCount = droppedAttributes,
            DroppedEventsCount = droppedEvents,
            DroppedLinksCount = droppedLinks,
            AttributeCount = attributes,
            EventCount = events,
            LinkCount = links,
        };
    }
}

/// <summary>A <c>Span.Event</c> read in place: its time, name bytes and how many attributes it has.</summary>
public readonly ref struct OtlpEventFields
{
    public ulong TimeUnixNano { get; private init; }

    public ReadOnlySpan<byte> Name { get; private init; }

    public int AttributeCount { get; private init; }

    public uint DroppedAttributesCount { get; private init; }

    public static OtlpEventFields Read(ReadOnlySpan<byte> spanEvent)
    {
        ulong time = 0;
        ReadOnlySpan<byte> name = default;
        var attributes = 0;
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
                    name = reader.ReadLengthDelimited();
                    break;
                case OtlpFields.EventAttributes:
                    reader.Expect(wireType, WireType.LengthDelimited, "Span.Event.attributes");
                    reader.ReadLengthDelimited();
                    attributes++;
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
        return new OtlpEventFields { TimeUnixNano = time, Name = name, AttributeCount = attributes, DroppedAttributesCount = dropped };
    }
}

/// <summary>A <c>Span.Link</c> read in place: id and trace-state bytes and how many attributes it has.</summary>
public readonly ref struct OtlpLinkFields
{
    public ReadOnlySpan<byte> TraceId { get; private init; }

    public ReadOnlySpan<byte> SpanId { get; private init; }

    public ReadOnlySpan<byte> TraceState { get; private init; }

    public int AttributeCount { get; private init; }

    public uint DroppedAttributesCount { get; private init; }

    public uint Flags { get; private init; }

    public static OtlpLinkFields Read(ReadOnlySpan<byte> link)
    {
        ReadOnlySpan<byte> traceId = default, spanId = default, traceState = default;
        var attributes = 0;
        uint dropped = 0, flags = 0;
        var reader = new ProtoReader(link);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field)
            {
                case OtlpFields.LinkTraceId:
                    reader.Expect(wireType, WireType.LengthDelimited, "Span.Link.trace_id");
                    traceId = reader.ReadLengthDelimited();
                    break;
                case OtlpFields.LinkSpanId:
                    reader.Expect(wireType, WireType.LengthDelimited, "Span.Link.span_id");
                    spanId = reader.ReadLengthDelimited();
                    break;
                case OtlpFields.LinkTraceState:
                    reader.Expect(wireType, WireType.LengthDelimited, "Span.Link.trace_state");
                    traceState = reader.ReadLengthDelimited();
                    break;
                case OtlpFields.LinkAttributes:
                    reader.Expect(wireType, WireType.LengthDelimited, "Span.Link.attributes");
                    reader.ReadLengthDelimited();
                    attributes++;
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
        return new OtlpLinkFields { TraceId = traceId, SpanId = spanId, TraceState = traceState, AttributeCount = attributes, DroppedAttributesCount = dropped, Flags = flags };
    }
}

/// <summary>A <c>Status</c> read in place: its code and message bytes (both default when absent).</summary>
public readonly ref struct OtlpStatusFields
{
    public ulong Code { get; private init; }

    public ReadOnlySpan<byte> Message { get; private init; }

    /// <summary>The code as the model knows it; an unknown value is Unset.</summary>
    public SpanStatusCode StatusCode => Code <= (ulong)SpanStatusCode.Error ? (SpanStatusCode)Code : SpanStatusCode.Unset;

    public static OtlpStatusFields Read(ReadOnlySpan<byte> status)
    {
        ulong code = 0;
        ReadOnlySpan<byte> message = default;
        var reader = new ProtoReader(status);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field)
            {
                case OtlpFields.StatusMessage:
                    reader.Expect(wireType, WireType.LengthDelimited, "Status.message");
                    message = reader.ReadLengthDelimited();
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
        return new OtlpStatusFields { Code = code, Message = message };
    }
}

/// <summary>A <c>KeyValue</c> read in place: key bytes and the AnyValue's bytes (empty when it has none, which reads as an empty AnyValue).</summary>
public readonly ref struct OtlpKeyValueFields
{
    public ReadOnlySpan<byte> Key { get; private init; }

    public ReadOnlySpan<byte> Value { get; private init; }

    public static OtlpKeyValueFields Read(ReadOnlySpan<byte> keyValue)
    {
        ReadOnlySpan<byte> key = default, value = default;
        var reader = new ProtoReader(keyValue);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field)
            {
                case OtlpFields.KeyValueKey:
                    reader.Expect(wireType, WireType.LengthDelimited, "KeyValue.key");
                    key = reader.ReadLengthDelimited();
                    break;
                case OtlpFields.KeyValueValue:
                    reader.Expect(wireType, WireType.LengthDelimited, "KeyValue.value");
                    value = reader.ReadLengthDelimited();
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }
        return new OtlpKeyValueFields { Key = key, Value = value };
    }
}

/// <summary>
/// An <c>AnyValue</c> read in place: which value field it holds (<see cref="Field"/>, one of the
/// <c>OtlpFields.Any*</c> numbers, 0 when none) and its payload, the bytes of a string, array,
/// key-value list or bytes value, or the varint or fixed64 of a bool, int or double. A later value
/// field replaces an earlier one, as protobuf parsers read a oneof.
/// </summary>
public readonly ref struct OtlpAnyValueFields
{
    public int Field { get; private init; }

    public ReadOnlySpan<byte> Bytes { get; private init; }

    public ulong Number { get; private init; }

    public static OtlpAnyValueFields Read(ReadOnlySpan<byte> anyValue)
    {
        var last = 0;
        ReadOnlySpan<byte> bytes = default;
        ulong number = 0;
        var reader = new ProtoReader(anyValue);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field)
            {
                case OtlpFields.AnyString:
                case OtlpFields.AnyArray:
                case OtlpFields.AnyKvList:
                case OtlpFields.AnyBytes:
                    reader.Expect(wireType, WireType.LengthDelimited, "AnyValue's string, array, kvlist or bytes value");
                    bytes = reader.ReadLengthDelimited();
                    last = field;
                    break;
                case OtlpFields.AnyBool:
                case OtlpFields.AnyInt:
                    reader.Expect(wireType, WireType.Varint, "AnyValue's bool or int value");
                    number = reader.ReadVarint();
                    last = field;
                    break;
                case OtlpFields.AnyDouble:
                    reader.Expect(wireType, WireType.Fixed64, "AnyValue.double_value");
                    number = reader.ReadFixed64();
                    last = field;
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }
        return new OtlpAnyValueFields { Field = last, Bytes = bytes, Number = number };
    }
}

/// <summary>
/// The occurrences of one length-delimited repeated field in a message, in order, each as its
/// bytes: <c>foreach (var item in OtlpRepeated.Of(span, OtlpFields.SpanEvents))</c>.
/// </summary>
public ref struct OtlpRepeated
{
    private readonly int _field;
    private ProtoReader _reader;

    private OtlpRepeated(ReadOnlySpan<byte> message, int field)
    {
        _reader = new ProtoReader(message);
        _field = field;
        Current = default;
    }

    public ReadOnlySpan<byte> Current { get; private set; }

    public static OtlpRepeated Of(ReadOnlySpan<byte> message, int field) => new(message, field);

    public readonly OtlpRepeated GetEnumerator() => this;

    public bool MoveNext()
    {
        while (_reader.TryReadTag(out var field, out var wireType))
        {
            if (field == _field)
            {
                _reader.Expect(wireType, WireType.LengthDelimited, "repeated field");
                Current = _reader.ReadLengthDelimited();
                return true;
            }
            _reader.Skip(wireType);
        }
        return false;
    }
}
