using System.Buffers.Binary;

namespace ActorTracing.Domain;

/// <summary>An 8-byte span id; zero means "none" (a root span's parent).</summary>
public readonly record struct SpanId(ulong Value)
{
    public const int ByteLength = 8;

    public bool IsEmpty => Value == 0;

    public static bool TryRead(ReadOnlySpan<byte> bytes, out SpanId id)
    {
        if (bytes.Length != ByteLength)
        {
            id = default;
            return false;
        }
        id = new SpanId(BinaryPrimitives.ReadUInt64BigEndian(bytes));
        return !id.IsEmpty;
    }

    public void WriteTo(Span<byte> destination) => BinaryPrimitives.WriteUInt64BigEndian(destination, Value);

    public string ToHex() => IsEmpty ? string.Empty : Value.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

    public override string ToString() => ToHex();

    public static bool TryParseHex(ReadOnlySpan<char> hex, out SpanId id)
    {
        id = default;
        if (hex.Length != 16 || !ulong.TryParse(hex, System.Globalization.NumberStyles.AllowHexSpecifier, null, out var v))
        {
            return false;
        }
        id = new SpanId(v);
        return !id.IsEmpty;
    }
}
