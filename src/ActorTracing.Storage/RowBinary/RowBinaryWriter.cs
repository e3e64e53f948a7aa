using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace ActorTracing.Storage;

/// <summary>
/// Appends values in ClickHouse's RowBinary encoding to a reusable buffer: little-endian fixed
/// width numbers, LEB128 lengths before strings, arrays and maps. LowCardinality(T) and Nested
/// sub-columns (sent as arrays) need no special form in RowBinary.
/// </summary>
public sealed class RowBinaryWriter
{
    private const string HexDigits = "0123456789abcdef";

    private readonly ArrayBufferWriter<byte> _buffer;

    public RowBinaryWriter(int initialCapacity = 64 * 1024) => _buffer = new ArrayBufferWriter<byte>(initialCapacity);

    public int WrittenCount => _buffer.WrittenCount;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.WrittenMemory;

    /// <summary>Forgets the written bytes but keeps the allocated buffer for the next batch.</summary>
    public void Reset() => _buffer.ResetWrittenCount();

    /// <summary>
    /// Forgets what was written after the first <paramref name="writtenCount"/> bytes: a row
    /// abandoned half-way (see SpanRowEncoder's direct path) is written again another way.
    /// </summary>
    public void Truncate(int writtenCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(writtenCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(writtenCount, _buffer.WrittenCount);
        if (writtenCount == _buffer.WrittenCount)
        {
            return;
        }
        // ArrayBufferWriter only rewinds to zero: keep the prefix, rewind, write it back. Rare
        // (a kept span with invalid UTF-8 or a nested attribute value), and a copy within the
        // same buffer, never a new one.
        var kept = _buffer.WrittenMemory[..writtenCount];
        var copy = ArrayPool<byte>.Shared.Rent(writtenCount);
        kept.Span.CopyTo(copy);
        _buffer.ResetWrittenCount();
        copy.AsSpan(0, writtenCount).CopyTo(_buffer.GetSpan(writtenCount));
        _buffer.Advance(writtenCount);
        ArrayPool<byte>.Shared.Return(copy);
    }

    public void WriteUInt8(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
    }

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
    }

    public void WriteUInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }

    public void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }

    /// <summary>DateTime64(9): signed nanoseconds since the Unix epoch.</summary>
    public void WriteDateTime64Nanos(ulong unixNanos) => WriteInt64(unchecked((long)unixNanos));

    /// <summary>LEB128, the length prefix of String, Array and Map.</summary>
    public void WriteVarUInt(ulong value)
    {
        var span = _buffer.GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[i++] = (byte)value;
        _buffer.Advance(i);
    }

    public void WriteString(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            WriteVarUInt(0);
            return;
        }
        var byteCount = Encoding.UTF8.GetByteCount(value);
        WriteVarUInt((ulong)byteCount);
        var written = Encoding.UTF8.GetBytes(value, _buffer.GetSpan(byteCount));
        _buffer.Advance(written);
    }

    /// <summary>A String column from UTF-8 bytes as they are (the caller knows them to be valid UTF-8).</summary>
    public void WriteUtf8(ReadOnlySpan<byte> utf8)
    {
        WriteVarUInt((ulong)utf8.Length);
        utf8.CopyTo(_buffer.GetSpan(utf8.Length));
        _buffer.Advance(utf8.Length);
    }

    /// <summary>A String column holding <paramref name="value"/> as its invariant-culture text in <paramref name="format"/>, without a string in between.</summary>
    public void WriteFormatted<T>(T value, string? format = null)
        where T : IUtf8SpanFormattable, IFormattable
    {
        // 64 bytes hold any long and any double in "R"; the string is only a safety net.
        Span<byte> text = stackalloc byte[64];
        if (!value.TryFormat(text, out var written, format, CultureInfo.InvariantCulture))
        {
            WriteString(value.ToString(format, CultureInfo.InvariantCulture));
            return;
        }
        WriteUtf8(text[..written]);
    }

    /// <summary>A String column holding <paramref name="bytes"/> as lower-case hex (ids, as upstream stores them).</summary>
    public void WriteHexString(ReadOnlySpan<byte> bytes)
    {
        WriteVarUInt((ulong)(bytes.Length * 2));
        var span = _buffer.GetSpan(bytes.Length * 2);
        for (var i = 0; i < bytes.Length; i++)
        {
            span[2 * i] = (byte)HexDigits[bytes[i] >> 4];
            span[(2 * i) + 1] = (byte)HexDigits[bytes[i] & 0xF];
        }
        _buffer.Advance(bytes.Length * 2);
    }

    /// <summary>A trace id column as lower-case hex; the empty id as the empty string.</summary>
    public void WriteTraceId(ActorTracing.Domain.TraceId id)
    {
        if (id.IsEmpty)
        {
            WriteVarUInt(0);
            return;
        }
        Span<byte> bytes = stackalloc byte[ActorTracing.Domain.TraceId.ByteLength];
        id.WriteTo(bytes);
        WriteHexString(bytes);
    }

    /// <summary>A span id column as lower-case hex; the empty id (no parent) as the empty string.</summary>
    public void WriteSpanId(ActorTracing.Domain.SpanId id)
    {
        if (id.IsEmpty)
        {
            WriteVarUInt(0);
            return;
        }
        Span<byte> bytes = stackalloc byte[ActorTracing.Domain.SpanId.ByteLength];
        id.WriteTo(bytes);
        WriteHexString(bytes);
    }

    /// <summary>
    /// A DateTime (UInt32 seconds) from Unix nanoseconds. A time past 2106 (a broken clock) would
    /// wrap to 1970; clamping keeps it sorted last instead.
    /// </summary>
    public void WriteDateTimeSeconds(ulong unixNanos) => WriteUInt32((uint)Math.Min(unixNanos / 1_000_000_000, uint.MaxValue));
}
