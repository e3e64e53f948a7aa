using System.Buffers.Binary;

namespace ActorTracing.Domain.Wire;

/// <summary>
/// A forward-only protocol-buffers reader over a byte span. The hot ingest path walks OTLP
/// requests with it instead of materialising the generated object graph: it reads only the
/// fields decisions need and keeps each span's bytes as they arrived, so a span that is dropped
/// (most of them) is never decoded further. Malformed input throws <see cref="ProtoFormatException"/>.
/// </summary>
public ref struct ProtoReader
{
    public const int MaxFieldNumber = (1 << 29) - 1;

    private readonly ReadOnlySpan<byte> _buffer;
    private int _position;

    public ProtoReader(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    public readonly bool End => _position >= _buffer.Length;

    public readonly int Position => _position;

    /// <summary>Reads the next tag; returns false at the end of the buffer.</summary>
    public bool TryReadTag(out int fieldNumber, out WireType wireType)
    {
        if (_position >= _buffer.Length)
        {
            fieldNumber = 0;
            wireType = default;
            return false;
        }
        var start = _position;
        var tag = ReadVarint();
        // Field numbers are at most 2^29-1; checking before the cast stops a huge tag from
        // wrapping into a plausible field number.
        if (tag >> 3 == 0 || tag >> 3 > MaxFieldNumber)
        {
            throw new ProtoFormatException($"invalid field number {tag >> 3} at byte {start}");
        }
        fieldNumber = (int)(tag >> 3);
        wireType = (WireType)(tag & 7);
        return true;
    }

    public ulong ReadVarint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _buffer.Length)
            {
                throw new ProtoFormatException("truncated varint");
            }
            var b = _buffer[_position++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }
        throw new ProtoFormatException("varint longer than 10 bytes");
    }

    public ulong ReadFixed64()
    {
        if (_position + 8 > _buffer.Length)
        {
            throw new ProtoFormatException("truncated fixed64");
        }
        var v = BinaryPrimitives.ReadUInt64LittleEndian(_buffer[_position..]);
        _position += 8;
        return v;
    }

    public uint ReadFixed32()
    {
        if (_position + 4 > _buffer.Length)
        {
            throw new ProtoFormatException("truncated fixed32");
        }
        var v = BinaryPrimitives.ReadUInt32LittleEndian(_buffer[_position..]);
        _position += 4;
        return v;
    }

    public double ReadDouble() => BitConverter.Int64BitsToDouble((long)ReadFixed64());

    /// <summary>Reads a length-delimited payload, returning its offset within the buffer and the slice.</summary>
    public ReadOnlySpan<byte> ReadLengthDelimited(out int offset)
    {
        var length = ReadVarint();
        if (length > (ulong)(_buffer.Length - _position))
        {
            throw new ProtoFormatException($"length {length} at byte {_position} runs past the end of the message");
        }
        offset = _position;
        var slice = _buffer.Slice(_position, (int)length);
        _position += (int)length;
        return slice;
    }

    public ReadOnlySpan<byte> ReadLengthDelimited() => ReadLengthDelimited(out _);

    public string ReadString() => System.Text.Encoding.UTF8.GetString(ReadLengthDelimited());

    public void Skip(WireType wireType)
    {
        switch (wireType)
        {
            case WireType.Varint:
                ReadVarint();
                break;
            case WireType.Fixed64:
                ReadFixed64();
                break;
            case WireType.LengthDelimited:
                ReadLengthDelimited();
                break;
            case WireType.Fixed32:
                ReadFixed32();
                break;
            default:
                // Groups are deprecated and absent from OTLP; accepting them would let a crafted
                // body nest without bound.
                throw new ProtoFormatException($"unsupported wire type {(int)wireType} at byte {_position}");
        }
    }

    /// <summary>Throws when a known field arrives with an unexpected wire type.</summary>
    public readonly void Expect(WireType actual, WireType expected, string field)
    {
        if (actual != expected)
        {
            throw new ProtoFormatException($"field {field} has wire type {(int)actual}, expected {(int)expected}");
        }
    }
}
