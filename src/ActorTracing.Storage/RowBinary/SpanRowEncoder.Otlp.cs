using System.Text.Unicode;
using ActorTracing.Domain;
using ActorTracing.Domain.Otlp;

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
    // What an AnyValue without a value field (or a KeyValue without a value) renders as.
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
            // The span's layout is read as the decoder reads it (OtlpSpanFields and friends); only
            // the writing differs.
            var fields = OtlpSpanFields.Read(span);
            var w = _writer;
            // The order below IS TraceSchema.InsertColumns, as in AppendRow.
            w.WriteDateTime64Nanos(fields.StartUnixNano);
            w.WriteTraceId(OtlpSpanDecoder.ReadTraceId(fields.TraceId));
            w.WriteSpanId(OtlpSpanDecoder.ReadSpanId(fields.SpanId));
            w.WriteSpanId(OtlpSpanDecoder.ReadSpanId(fields.ParentSpanId));
            WriteText(fields.TraceState);
            WriteText(fields.Name);
            w.WriteString(SpanKindName(fields.SpanKind));
            w.WriteString(serviceName);
            WriteMap(resourceAttributes);
            w.WriteString(scope.Name);
            w.WriteString(scope.Version);
            WriteKeyValues(span, OtlpFields.SpanAttributes, fields.AttributeCount);
            w.WriteUInt64(fields.EndUnixNano > fields.StartUnixNano ? fields.EndUnixNano - fields.StartUnixNano : 0);
            var status = OtlpStatusFields.Read(fields.Status);
            w.WriteString(StatusCodeName(status.StatusCode));
            WriteText(status.Message);

            // Events: Timestamp, Name and Attributes, each an array over all events.
            w.WriteVarUInt((ulong)fields.EventCount);
            foreach (var item in OtlpRepeated.Of(span, OtlpFields.SpanEvents))
            {
                w.WriteDateTime64Nanos(OtlpEventFields.Read(item).TimeUnixNano);
            }
            w.WriteVarUInt((ulong)fields.EventCount);
            foreach (var item in OtlpRepeated.Of(span, OtlpFields.SpanEvents))
            {
                WriteText(OtlpEventFields.Read(item).Name);
            }
            w.WriteVarUInt((ulong)fields.EventCount);
            foreach (var item in OtlpRepeated.Of(span, OtlpFields.SpanEvents))
            {
                WriteKeyValues(item, OtlpFields.EventAttributes, OtlpEventFields.Read(item).AttributeCount);
            }

            // Links: TraceId, SpanId, TraceState and Attributes, each an array over all links.
            w.WriteVarUInt((ulong)fields.LinkCount);
            foreach (var item in OtlpRepeated.Of(span, OtlpFields.SpanLinks))
            {
                w.WriteTraceId(OtlpSpanDecoder.ReadTraceId(OtlpLinkFields.Read(item).TraceId));
            }
            w.WriteVarUInt((ulong)fields.LinkCount);
            foreach (var item in OtlpRepeated.Of(span, OtlpFields.SpanLinks))
            {
                w.WriteSpanId(OtlpSpanDecoder.ReadSpanId(OtlpLinkFields.Read(item).SpanId));
            }
            w.WriteVarUInt((ulong)fields.LinkCount);
            foreach (var item in OtlpRepeated.Of(span, OtlpFields.SpanLinks))
            {
                WriteText(OtlpLinkFields.Read(item).TraceState);
            }
            w.WriteVarUInt((ulong)fields.LinkCount);
            foreach (var item in OtlpRepeated.Of(span, OtlpFields.SpanLinks))
            {
                WriteKeyValues(item, OtlpFields.LinkAttributes, OtlpLinkFields.Read(item).AttributeCount);
            }

            w.WriteString(region);
            w.WriteString(samplingReason);
            w.WriteUInt32(sampleRate);
            w.WriteString(completionReason);
            Rows++;
        }
        catch
        {
            _writer.Truncate(rowStart);
            throw;
        }
    }

    /// <summary>A Map column of the KeyValue <paramref name="field"/>s of <paramref name="message"/>: the count, then each key and value.</summary>
    private void WriteKeyValues(ReadOnlySpan<byte> message, int field, int count)
    {
        _writer.WriteVarUInt((ulong)count);
        foreach (var item in OtlpRepeated.Of(message, field))
        {
            var keyValue = OtlpKeyValueFields.Read(item);
            WriteText(keyValue.Key);
            // A missing value reads as an empty AnyValue: NoValue, as the decoder has it.
            WriteAnyValue(keyValue.Value);
        }
    }

    /// <summary>An AnyValue as <see cref="AttributeValue.AsString"/> renders it (the last value field wins, as in the decoder).</summary>
    private void WriteAnyValue(ReadOnlySpan<byte> anyValue)
    {
        var value = OtlpAnyValueFields.Read(anyValue);
        switch (value.Field)
        {
            case OtlpFields.AnyString:
                WriteText(value.Bytes);
                break;
            case OtlpFields.AnyBool:
                _writer.WriteString(value.Number != 0 ? "true" : "false");
                break;
            case OtlpFields.AnyInt:
                _writer.WriteFormatted(unchecked((long)value.Number));
                break;
            case OtlpFields.AnyDouble:
                _writer.WriteFormatted(BitConverter.Int64BitsToDouble(unchecked((long)value.Number)), "R");
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
}
