using System.Buffers.Binary;
using System.Text;

namespace ActorTracing.Domain.Wire;

/// <summary>
/// A growable protocol-buffers writer over one reusable byte array. The workload generator encodes
/// millions of requests with a single instance (<see cref="Reset"/> between requests), so the
/// buffer is grown, never reallocated per message. Nested messages are written in place: the
/// length prefix is reserved before the payload and the payload is moved only in the rare case
/// its length needs a different number of varint bytes than reserved.
/// </summary>
public sealed class ProtoWriter
{
    // Two bytes cover payloads up to 16 KiB, which is every span, event, link and attribute
    // in practice; only the outer ResourceSpans/ScopeSpans pay a move.
    private const int ReservedLengthBytes = 2;

    private byte[] _buffer;
    private int _position;

    public ProtoWriter(int initialCapacity = 4096)
    {
        _buffer = new byte[Math.Max(initialCapacity, 16)];
    }

    /// <summary>Bytes written since the last <see cref="Reset"/>.</summary>
    public int Length => _position;

    /// <summary>Size of the array behind the writer (what it holds on to across <see cref="Reset"/>).</summary>
    public int Capacity => _buffer.Length;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _position);

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _position);

    /// <summary>Forgets what was written but keeps the buffer for the next message.</summary>
    public void Reset() => _position = 0;

    public byte[] ToArray() => WrittenSpan.ToArray();

    public void WriteTag(int fieldNumber, WireType wireType) => WriteVarint(((ulong)(uint)fieldNumber << 3) | (uint)wireType);

    public void WriteVarint(ulong value)
    {
        EnsureCapacity(10);
        var buffer = _buffer;
        var position = _position;
        while (value >= 0x80)
        {
            buffer[position++] = (byte)(value | 0x80);
            value >>= 7;
        }
        buffer[position++] = (byte)value;
        _position = position;
    }

    public void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        EnsureCapacity(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_position));
        _position += bytes.Length;
    }

    /// <summary>A varint field (uint32, uint64, int64, bool, enum). Negative int64 takes 10 bytes, as protobuf does.</summary>
    public void WriteVarintField(int fieldNumber, ulong value)
    {
        WriteTag(fieldNumber, WireType.Varint);
        WriteVarint(value);
    }

    public void WriteInt64Field(int fieldNumber, long value) => WriteVarintField(fieldNumber, unchecked((ulong)value));

    public void WriteBoolField(int fieldNumber, bool value) => WriteVarintField(fieldNumber, value ? 1UL : 0UL);

    public void WriteFixed32Field(int fieldNumber, uint value)
    {
        WriteTag(fieldNumber, WireType.Fixed32);
        EnsureCapacity(4);
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(_position), value);
        _position += 4;
    }

    public void WriteFixed64Field(int fieldNumber, ulong value)
    {
        WriteTag(fieldNumber, WireType.Fixed64);
        EnsureCapacity(8);
        BinaryPrimitives.WriteUInt64LittleEndian(_buffer.AsSpan(_position), value);
        _position += 8;
    }

    public void WriteDoubleField(int fieldNumber, double value) => WriteFixed64Field(fieldNumber, (ulong)BitConverter.DoubleToInt64Bits(value));

    public void WriteBytesField(int fieldNumber, ReadOnlySpan<byte> value)
    {
        WriteTag(fieldNumber, WireType.LengthDelimited);
        WriteVarint((uint)value.Length);
        WriteRaw(value);
    }

    /// <summary>Writes a string as UTF-8 straight into the buffer (no intermediate byte array).</summary>
    public void WriteStringField(int fieldNumber, string value)
    {
        WriteTag(fieldNumber, WireType.LengthDelimited);
        var byteCount = Encoding.UTF8.GetByteCount(value);
        WriteVarint((uint)byteCount);
        EnsureCapacity(byteCount);
        _position += Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_position));
    }

    /// <summary>Starts a nested message; pass the returned bookmark to <see cref="EndMessage"/>.</summary>
    public int BeginMessage(int fieldNumber)
    {
        WriteTag(fieldNumber, WireType.LengthDelimited);
        EnsureCapacity(ReservedLengthBytes);
        var bookmark = _position;
        _position += ReservedLengthBytes;
        return bookmark;
    }

    /// <summary>Closes the nested message started at <paramref name="bookmark"/>, writing its length prefix.</summary>
    public void EndMessage(int bookmark)
    {
        var payloadStart = bookmark + ReservedLengthBytes;
        var length = _position - payloadStart;
        if (length < 0)
        {
            throw new InvalidOperationException("EndMessage called with a bookmark past the current position");
        }
        var needed = VarintSize((uint)length);
        if (needed != ReservedLengthBytes)
        {
            var shift = needed - ReservedLengthBytes;
            if (shift > 0)
            {
                EnsureCapacity(shift);
            }
            Buffer.BlockCopy(_buffer, payloadStart, _buffer, payloadStart + shift, length);
            _position += shift;
        }
        var position = bookmark;
        var value = (uint)length;
        for (var i = 0; i < needed - 1; i++)
        {
            _buffer[position++] = (byte)(value | 0x80);
            value >>= 7;
        }
        _buffer[position] = (byte)value;
    }

    /// <summary>Writes a varint into <paramref name="destination"/> (which must have room) and returns its length; for code that fills fixed buffers.</summary>
    public static int WriteVarint(Span<byte> destination, ulong value)
    {
        var at = 0;
        while (value >= 0x80)
        {
            destination[at++] = (byte)(value | 0x80);
            value >>= 7;
        }
        destination[at++] = (byte)value;
        return at;
    }

    public static int VarintSize(ulong value)
    {
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }
        return size;
    }

    private void EnsureCapacity(int extra)
    {
        if (_position + extra <= _buffer.Length)
        {
            return;
        }
        var newSize = Math.Max(_buffer.Length * 2, _position + extra);
        Array.Resize(ref _buffer, newSize);
    }
}
