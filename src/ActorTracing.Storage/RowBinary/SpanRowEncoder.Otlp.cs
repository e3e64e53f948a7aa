using System.Text.Unicode;
using ActorTracing.Domain;
using ActorTracing.Domain.Otlp;
using ActorTracing.Domain.Wire;

namespace ActorTracing.Storage;

/// <summary>
/// The Modern row of a kept span written straight from its OTLP bytes, byte for byte the row
/// <see cref="OtlpSpanDecoder.DecodeSpan"/> then <c>AppendRow</c> write, without the decoded span in
/// between. That decode made a <see cref="SpanDetail"/>, a list of attributes and a .NET string of
/// every key and value (UTF-8 to UTF-16 and back to UTF-8) per kept span: ~19 of a node's ~95 MB/s
/// of allocation at 200k spans/s, and young-GC time here grows with what is allocated. Strings
/// (names, keys, string values) are copied as they are; ints, doubles and bools are formatted into
/// the row; only array, key-value-list and bytes values, and text that is not valid UTF-8 (which
/// the decoder replaces with U+FFFD), still go through <see cref="AttributeValue.AsString"/>.
/// </summary>
public sealed partial class SpanRowEncoder
{
    // What a KeyValue without a value renders as (the default AttributeValue).
    private static readonly string NoValue = default(AttributeValue).AsString();

    private void AppendOtlpRow(
        ReadOnlySpan<byte> span,
        IReadOnlyList<KeyValuePair<string, AttributeValue>> resourceAttributes,
        string serviceName,
        ScopeDetail scope,
        string region,
        string samplingReason,
        uint sampleRate,
        string completionReason)
    {
        // Malformed bytes throw half-way through the row, and a batch must never hold half a row.
        var rowStart = _writer.WrittenCount;
        try
        {
            WriteOtlpRow(span, resourceAttributes, serviceName, scope, region, samplingReason, sampleRate, completionReason);
            Rows++;
        }
        catch
        {
            _writer.Truncate(rowStart);
            throw;
        }
    }

    private void WriteOtlpRow(
        ReadOnlySpan<byte> span,
        IReadOnlyList<KeyValuePair<string, AttributeValue>> resourceAttributes,
        string serviceName,
        ScopeDetail scope,
        string region,
        string samplingReason,
        uint sampleRate,
        string completionReason)
    {
        // First pass: the single fields (the last occurrence wins, as in the decoder) and how many
        // attributes, events and links follow; the wire types are checked as the decoder checks them.
        ReadOnlySpan<byte> traceId = default;
        ReadOnlySpan<byte> spanId = default;
        ReadOnlySpan<byte> parent = default;
        ReadOnlySpan<byte> traceState = default;
        ReadOnlySpan<byte> name = default;
        ReadOnlySpan<byte> status = default;
        ulong kind = 0;
        ulong start = 0;
        ulong end = 0;
        var attributes = 0;
        var events = 0;
        var links = 0;
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
                case OtlpFields.SpanEvents:
                    reader.Expect(wireType, WireType.LengthDelimited, "Span.events");
                    reader.ReadLengthDelimited();
                    events++;
                    break;
                case OtlpFields.SpanLinks:
                    reader.Expect(wireType, WireType.LengthDelimited, "Span.links");
                    reader.ReadLengthDelimited();
                    links++;
                    break;
                case OtlpFields.SpanStatus:
                    reader.Expect(wireType, WireType.LengthDelimited, "Span.status");
                    status = reader.ReadLengthDelimited();
                    break;
                case OtlpFields.SpanDroppedAttributesCount:
                case OtlpFields.SpanDroppedEventsCount:
                case OtlpFields.SpanDroppedLinksCount:
                    reader.Expect(wireType, WireType.Varint, "Span.dropped_*_count");
                    reader.ReadVarint();
                    break;
                case OtlpFields.SpanFlags:
                    reader.Expect(wireType, WireType.Fixed32, "Span.flags");
                    reader.ReadFixed32();
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }

        var w = _writer;
        // The order below IS TraceSchema.InsertColumns, as in AppendRow.
        w.WriteDateTime64Nanos(start);
        w.WriteTraceId(OtlpSpanDecoder.ReadTraceId(traceId));
        w.WriteSpanId(OtlpSpanDecoder.ReadSpanId(spanId));
        w.WriteSpanId(OtlpSpanDecoder.ReadSpanId(parent));
        WriteText(traceState);
        WriteText(name);
        w.WriteString(SpanKindName(kind <= (ulong)SpanKind.Consumer ? (SpanKind)kind : SpanKind.Unspecified));
        w.WriteString(serviceName);
        WriteMap(resourceAttributes);
        w.WriteString(scope.Name);
        w.WriteString(scope.Version);
        w.WriteVarUInt((ulong)attributes);
        WriteKeyValues(span, OtlpFields.SpanAttributes);
        w.WriteUInt64(end > start ? end - start : 0);
        WriteStatus(status);

        // Events: Timestamp, Name and Attributes, each an array over all events.
        w.WriteVarUInt((ulong)events);
        ForEach(span, OtlpFields.SpanEvents, static (encoder, item) => encoder._writer.WriteDateTime64Nanos(ReadEvent(item).Time));
        w.WriteVarUInt((ulong)events);
        ForEach(span, OtlpFields.SpanEvents, static (encoder, item) => encoder.WriteText(ReadEvent(item).Name));
        w.WriteVarUInt((ulong)events);
        ForEach(span, OtlpFields.SpanEvents, static (encoder, item) => encoder.WriteAttributeMap(item, OtlpFields.EventAttributes, ReadEvent(item).Attributes));

        // Links: TraceId, SpanId, TraceState and Attributes, each an array over all links.
        w.WriteVarUInt((ulong)links);
        ForEach(span, OtlpFields.SpanLinks, static (encoder, item) => encoder._writer.WriteTraceId(OtlpSpanDecoder.ReadTraceId(ReadLink(item).TraceId)));
        w.WriteVarUInt((ulong)links);
        ForEach(span, OtlpFields.SpanLinks, static (encoder, item) => encoder._writer.WriteSpanId(OtlpSpanDecoder.ReadSpanId(ReadLink(item).SpanId)));
        w.WriteVarUInt((ulong)links);
        ForEach(span, OtlpFields.SpanLinks, static (encoder, item) => encoder.WriteText(ReadLink(item).TraceState));
        w.WriteVarUInt((ulong)links);
        ForEach(span, OtlpFields.SpanLinks, static (encoder, item) => encoder.WriteAttributeMap(item, OtlpFields.LinkAttributes, ReadLink(item).Attributes));

        w.WriteString(region);
        w.WriteString(samplingReason);
        w.WriteUInt32(sampleRate);
        w.WriteString(completionReason);
    }

    private delegate void ItemWriter(SpanRowEncoder encoder, ReadOnlySpan<byte> item);

    /// <summary>Calls <paramref name="write"/> for each occurrence of <paramref name="field"/> in <paramref name="message"/>, in order.</summary>
    private void ForEach(ReadOnlySpan<byte> message, int field, ItemWriter write)
    {
        var reader = new ProtoReader(message);
        while (reader.TryReadTag(out var f, out var wireType))
        {
            if (f == field)
            {
                write(this, reader.ReadLengthDelimited());
            }
            else
            {
                reader.Skip(wireType);
            }
        }
    }

    private void WriteAttributeMap(ReadOnlySpan<byte> message, int field, int count)
    {
        _writer.WriteVarUInt((ulong)count);
        WriteKeyValues(message, field);
    }

    /// <summary>The key/value pairs of every KeyValue <paramref name="field"/> of <paramref name="message"/> (the count is written by the caller).</summary>
    private void WriteKeyValues(ReadOnlySpan<byte> message, int field)
    {
        var reader = new ProtoReader(message);
        while (reader.TryReadTag(out var f, out var wireType))
        {
            if (f != field)
            {
                reader.Skip(wireType);
                continue;
            }
            WriteKeyValue(reader.ReadLengthDelimited());
        }
    }

    private void WriteKeyValue(ReadOnlySpan<byte> keyValue)
    {
        ReadOnlySpan<byte> key = default;
        ReadOnlySpan<byte> value = default;
        var hasValue = false;
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
                    hasValue = true;
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }
        WriteText(key);
        if (hasValue)
        {
            WriteAnyValue(value);
        }
        else
        {
            _writer.WriteString(NoValue);
        }
    }

    /// <summary>An AnyValue as <see cref="AttributeValue.AsString"/> renders it: the last value field wins, as in the decoder.</summary>
    private void WriteAnyValue(ReadOnlySpan<byte> anyValue)
    {
        var last = 0;
        ReadOnlySpan<byte> text = default;
        ulong number = 0;
        var reader = new ProtoReader(anyValue);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field)
            {
                case OtlpFields.AnyString:
                    reader.Expect(wireType, WireType.LengthDelimited, "AnyValue.string_value");
                    text = reader.ReadLengthDelimited();
                    last = field;
                    break;
                case OtlpFields.AnyBool:
                    reader.Expect(wireType, WireType.Varint, "AnyValue.bool_value");
                    number = reader.ReadVarint();
                    last = field;
                    break;
                case OtlpFields.AnyInt:
                    reader.Expect(wireType, WireType.Varint, "AnyValue.int_value");
                    number = reader.ReadVarint();
                    last = field;
                    break;
                case OtlpFields.AnyDouble:
                    reader.Expect(wireType, WireType.Fixed64, "AnyValue.double_value");
                    number = reader.ReadFixed64();
                    last = field;
                    break;
                case OtlpFields.AnyArray:
                case OtlpFields.AnyKvList:
                case OtlpFields.AnyBytes:
                    reader.Expect(wireType, WireType.LengthDelimited, "AnyValue.array_value/kvlist_value/bytes_value");
                    reader.ReadLengthDelimited();
                    last = field;
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }
        switch (last)
        {
            case OtlpFields.AnyString:
                WriteText(text);
                break;
            case OtlpFields.AnyBool:
                _writer.WriteString(number != 0 ? "true" : "false");
                break;
            case OtlpFields.AnyInt:
                _writer.WriteFormatted(unchecked((long)number));
                break;
            case OtlpFields.AnyDouble:
                _writer.WriteFormatted(BitConverter.Int64BitsToDouble(unchecked((long)number)), "R");
                break;
            case 0:
                _writer.WriteString(NoValue);
                break;
            default:
                // Arrays and lists are rendered as JSON-like text, bytes as base64: the decoder's
                // rendering, rare enough to keep as it is.
                _writer.WriteString(OtlpAnyValue.ReadValue(anyValue).AsString());
                break;
        }
    }

    /// <summary>A string field: its bytes as they are, or, when they are not valid UTF-8, the decoder's reading (U+FFFD for each bad sequence).</summary>
    private void WriteText(ReadOnlySpan<byte> utf8)
    {
        if (Utf8.IsValid(utf8))
        {
            _writer.WriteUtf8(utf8);
        }
        else
        {
            _writer.WriteString(OtlpAnyValue.ReadUtf8(utf8));
        }
    }

    private void WriteStatus(ReadOnlySpan<byte> status)
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
        _writer.WriteString(StatusCodeName(code <= (ulong)SpanStatusCode.Error ? (SpanStatusCode)code : SpanStatusCode.Unset));
        WriteText(message);
    }

    private readonly ref struct EventFields(ulong time, ReadOnlySpan<byte> name, int attributes)
    {
        public ulong Time { get; } = time;

        public ReadOnlySpan<byte> Name { get; } = name;

        public int Attributes { get; } = attributes;
    }

    private readonly ref struct LinkFields(ReadOnlySpan<byte> traceId, ReadOnlySpan<byte> spanId, ReadOnlySpan<byte> traceState, int attributes)
    {
        public ReadOnlySpan<byte> TraceId { get; } = traceId;

        public ReadOnlySpan<byte> SpanId { get; } = spanId;

        public ReadOnlySpan<byte> TraceState { get; } = traceState;

        public int Attributes { get; } = attributes;
    }

    private static EventFields ReadEvent(ReadOnlySpan<byte> spanEvent)
    {
        ulong time = 0;
        ReadOnlySpan<byte> name = default;
        var attributes = 0;
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
                    reader.ReadVarint();
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }
        return new EventFields(time, name, attributes);
    }

    private static LinkFields ReadLink(ReadOnlySpan<byte> link)
    {
        ReadOnlySpan<byte> traceId = default;
        ReadOnlySpan<byte> spanId = default;
        ReadOnlySpan<byte> traceState = default;
        var attributes = 0;
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
                    reader.ReadVarint();
                    break;
                case OtlpFields.LinkFlags:
                    reader.Expect(wireType, WireType.Fixed32, "Span.Link.flags");
                    reader.ReadFixed32();
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }
        return new LinkFields(traceId, spanId, traceState, attributes);
    }
}
