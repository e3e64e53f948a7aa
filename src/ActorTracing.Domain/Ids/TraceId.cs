using System.Buffers.Binary;

namespace ActorTracing.Domain;

/// <summary>
/// A 16-byte W3C/OTLP trace id held as two big-endian halves, so it costs no allocation on the
/// hot path and hashes identically on every node (sharding and probabilistic sampling rely on that).
/// </summary>
public readonly record struct TraceId(ulong High, ulong Low)
{
    public const int ByteLength = 16;

    public bool IsEmpty => High == 0 && Low == 0;

    /// <summary>Reads a trace id from exactly 16 bytes; all-zero or wrong-length ids are invalid per the OTLP spec.</summary>
    public static bool TryRead(ReadOnlySpan<byte> bytes, out TraceId id)
    {
        if (bytes.Length != ByteLength)
        {
            id = default;
            return false;
        }
        id = new TraceId(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));
        return !id.IsEmpty;
    }

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, High);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], Low);
    }

    public byte[] ToBytes()
    {
        var bytes = new byte[ByteLength];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>Lower-case hex, the form OTLP/JSON, Jaeger and the ClickHouse schema use.</summary>
    public string ToHex() => string.Create(32, this, static (chars, id) =>
    {
        id.High.TryFormat(chars, out _, "x16");
        id.Low.TryFormat(chars[16..], out _, "x16");
    });

    public override string ToString() => ToHex();

    public static bool TryParseHex(ReadOnlySpan<char> hex, out TraceId id)
    {
        id = default;
        if (hex.Length != 32
            || !ulong.TryParse(hex[..16], System.Globalization.NumberStyles.AllowHexSpecifier, null, out var high)
            || !ulong.TryParse(hex[16..], System.Globalization.NumberStyles.AllowHexSpecifier, null, out var low))
        {
            return false;
        }
        id = new TraceId(high, low);
        return !id.IsEmpty;
    }

    /// <summary>
    /// A well-mixed 64-bit hash of the id. Used for shard selection and deterministic sampling:
    /// it must never change between versions, or nodes of a rolling upgrade would disagree.
    /// </summary>
    public ulong StableHash()
    {
        // splitmix64 finalizer over both halves: random ids are already uniform, but ids from
        // buggy SDKs (counters, zero-padded 8-byte ids) are not, and the mix fixes that.
        var x = High ^ (Low * 0x9E3779B97F4A7C15UL);
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
