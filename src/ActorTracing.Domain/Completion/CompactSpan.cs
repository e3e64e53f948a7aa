using System.Buffers.Binary;
using System.Text.Unicode;
using ActorTracing.Domain.Otlp;
using ActorTracing.Domain.Wire;

namespace ActorTracing.Domain.Completion;

/// <summary>
/// The form a trace buffer holds a span's OTLP bytes in while the trace is open. Two things of a
/// span's ~320 bytes are already held elsewhere or repeat in every span:
/// <list type="bullet">
/// <item>trace id, span id, parent id, name, kind, start and end (~75 B) are decoded into the
/// span's slot at ingest, so the bytes leave them out;</item>
/// <item>attribute keys (~60 B) are replaced by ids from the shard's <see cref="SpanKeyTable"/>:
/// a KeyValue <c>{1: key, 2: value}</c> becomes <c>{15: key id, 2: value}</c>.</item>
/// </list>
/// Everything else (trace_state, attribute values, events, links, status, flags, unknown fields)
/// stays byte for byte, so links and events are read in place and an attribute lookup is a scan
/// comparing ids. A kept span is expanded back to a complete OTLP Span (<see cref="Expand"/>)
/// before it leaves the buffer; dropped spans (~90 %) never are.
/// <para>
/// Only what expands back exactly is compacted. A span whose ids, name, kind or times are not in
/// the one canonical encoding the slot can rebuild (an all-zero 8-byte parent, invalid UTF-8 in
/// the name, a field sent twice, a kind the decoder mapped to Unspecified), or that carries field
/// 15 in a KeyValue itself, is held verbatim. A KeyValue with anything beyond key-then-value keeps
/// its key inline.
/// </para>
/// </summary>
internal static class CompactSpan
{
    private const int TraceIdBit = 1 << OtlpFields.SpanTraceId;
    private const int SpanIdBit = 1 << OtlpFields.SpanSpanId;

    /// <summary>
    /// Writes the compact form of <paramref name="raw"/> (the OTLP bytes of <paramref name="span"/>)
    /// into <paramref name="destination"/>, which must hold <c>raw.Length</c> bytes (the compact form
    /// is never longer). Returns its length, or -1 when the span must be held verbatim.
    /// </summary>
    public static int TryCompact(ReadOnlySpan<byte> raw, BufferedSpan span, SpanKeyTable keys, Span<byte> destination)
    {
        var reader = new ProtoReader(raw);
        var written = 0;
        var stripped = 0;
        try
        {
            while (true)
            {
                var start = reader.Position;
                if (!reader.TryReadTag(out var field, out var wire))
                {
                    break;
                }
                switch (field)
                {
                    case OtlpFields.SpanTraceId:
                    case OtlpFields.SpanSpanId:
                    case OtlpFields.SpanParentSpanId:
                    case OtlpFields.SpanName:
                    case OtlpFields.SpanKind:
                    case OtlpFields.SpanStartTime:
                    case OtlpFields.SpanEndTime:
                        if ((stripped & (1 << field)) != 0 || !IsRebuiltExactly(ref reader, field, wire, span))
                        {
                            return -1;
                        }
                        stripped |= 1 << field;
                        break;
                    case OtlpFields.SpanAttributes when wire == WireType.LengthDelimited:
                        var keyValue = reader.ReadLengthDelimited();
                        var length = TryCompactAttribute(keyValue, keys, destination[written..]);
                        if (length == -1)
                        {
                            return -1;
                        }
                        if (length == 0)
                        {
                            raw[start..reader.Position].CopyTo(destination[written..]);
                            length = reader.Position - start;
                        }
                        written += length;
                        break;
                    default:
                        reader.Skip(wire);
                        raw[start..reader.Position].CopyTo(destination[written..]);
                        written += reader.Position - start;
                        break;
                }
            }
        }
        catch (ProtoFormatException)
        {
            return -1;
        }
        // The decoder rejects spans without ids, but a span built in code may lack them.
        return (stripped & (TraceIdBit | SpanIdBit)) == (TraceIdBit | SpanIdBit) ? written : -1;
    }

    /// <summary>Writes the complete OTLP Span message of a compacted span (no field tag, like <see cref="BufferedSpan.Raw"/>).</summary>
    public static void Expand(ReadOnlySpan<byte> compact, BufferedSpan span, SpanKeyTable keys, ProtoWriter writer)
    {
        Span<byte> id = stackalloc byte[TraceId.ByteLength];
        span.TraceId.WriteTo(id);
        writer.WriteBytesField(OtlpFields.SpanTraceId, id);
        BinaryPrimitives.WriteUInt64BigEndian(id, span.SpanId.Value);
        writer.WriteBytesField(OtlpFields.SpanSpanId, id[..SpanId.ByteLength]);
        if (!span.ParentSpanId.IsEmpty)
        {
            BinaryPrimitives.WriteUInt64BigEndian(id, span.ParentSpanId.Value);
            writer.WriteBytesField(OtlpFields.SpanParentSpanId, id[..SpanId.ByteLength]);
        }
        if (span.Name.Length > 0)
        {
            writer.WriteStringField(OtlpFields.SpanName, span.Name);
        }
        if (span.Kind != SpanKind.Unspecified)
        {
            writer.WriteVarintField(OtlpFields.SpanKind, (ulong)span.Kind);
        }
        if (span.StartUnixNano != 0)
        {
            writer.WriteFixed64Field(OtlpFields.SpanStartTime, span.StartUnixNano);
        }
        if (span.EndUnixNano != 0)
        {
            writer.WriteFixed64Field(OtlpFields.SpanEndTime, span.EndUnixNano);
        }

        var reader = new ProtoReader(compact);
        while (true)
        {
            var start = reader.Position;
            if (!reader.TryReadTag(out var field, out var wire))
            {
                break;
            }
            if (field == OtlpFields.SpanAttributes && wire == WireType.LengthDelimited)
            {
                var keyValue = new ProtoReader(reader.ReadLengthDelimited(out var offset));
                if (keyValue.TryReadTag(out var first, out var firstWire) && first == OtlpFields.KeyValueKeyId && firstWire == WireType.Varint)
                {
                    var keyId = (int)keyValue.ReadVarint();
                    var bookmark = writer.BeginMessage(OtlpFields.SpanAttributes);
                    writer.WriteBytesField(OtlpFields.KeyValueKey, keys.Key(keyId));
                    writer.WriteRaw(compact[(offset + keyValue.Position)..reader.Position]);
                    writer.EndMessage(bookmark);
                    continue;
                }
            }
            else
            {
                reader.Skip(wire);
            }
            writer.WriteRaw(compact[start..reader.Position]);
        }
    }

    private static bool IsRebuiltExactly(ref ProtoReader reader, int field, WireType wire, BufferedSpan span)
    {
        switch (field)
        {
            case OtlpFields.SpanTraceId:
                return wire == WireType.LengthDelimited && TraceId.TryRead(reader.ReadLengthDelimited(), out var traceId) && traceId == span.TraceId;
            case OtlpFields.SpanSpanId:
                return wire == WireType.LengthDelimited && SpanId.TryRead(reader.ReadLengthDelimited(), out var spanId) && spanId == span.SpanId;
            case OtlpFields.SpanParentSpanId:
                if (wire != WireType.LengthDelimited)
                {
                    return false;
                }
                var parent = reader.ReadLengthDelimited();
                // An empty parent is the proto3 default (expands to nothing); an all-zero one would not come back.
                return parent.IsEmpty ? span.ParentSpanId.IsEmpty : SpanId.TryRead(parent, out var parentId) && parentId == span.ParentSpanId;
            case OtlpFields.SpanName:
                if (wire != WireType.LengthDelimited)
                {
                    return false;
                }
                var name = reader.ReadLengthDelimited();
                return Utf8.IsValid(name) && OtlpAnyValue.KeyEquals(name, span.Name);
            case OtlpFields.SpanKind:
                return wire == WireType.Varint && reader.ReadVarint() == (ulong)span.Kind;
            case OtlpFields.SpanStartTime:
                return wire == WireType.Fixed64 && reader.ReadFixed64() == span.StartUnixNano;
            default:
                return wire == WireType.Fixed64 && reader.ReadFixed64() == span.EndUnixNano;
        }
    }

    /// <summary>
    /// Writes the compacted attribute (with its field 9 tag) and returns its length; 0 when it
    /// stays as it is; -1 when the span must be held verbatim (a KeyValue carrying field 15).
    /// </summary>
    private static int TryCompactAttribute(ReadOnlySpan<byte> keyValue, SpanKeyTable keys, Span<byte> destination)
    {
        var reader = new ProtoReader(keyValue);
        ReadOnlySpan<byte> key = default;
        var valueStart = -1;
        var fields = 0;
        while (reader.TryReadTag(out var field, out var wire))
        {
            fields++;
            if (field == OtlpFields.KeyValueKeyId)
            {
                return -1;
            }
            if (field == OtlpFields.KeyValueKey && fields == 1 && wire == WireType.LengthDelimited)
            {
                key = reader.ReadLengthDelimited();
                valueStart = reader.Position;
                continue;
            }
            if (field != OtlpFields.KeyValueValue || fields != 2)
            {
                valueStart = -1;
            }
            reader.Skip(wire);
        }
        if (fields != 2 || valueStart < 0)
        {
            return 0;
        }
        var id = keys.GetOrAdd(key);
        if (id == 0)
        {
            return 0;
        }
        var value = keyValue[valueStart..];
        var payload = 1 + ProtoWriter.VarintSize((ulong)id) + value.Length;
        var at = 0;
        destination[at++] = (OtlpFields.SpanAttributes << 3) | (int)WireType.LengthDelimited;
        at += ProtoWriter.WriteVarint(destination[at..], (ulong)payload);
        destination[at++] = (OtlpFields.KeyValueKeyId << 3) | (int)WireType.Varint;
        at += ProtoWriter.WriteVarint(destination[at..], (ulong)id);
        value.CopyTo(destination[at..]);
        return at + value.Length;
    }
}
