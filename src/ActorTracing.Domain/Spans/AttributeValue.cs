using System.Globalization;

namespace ActorTracing.Domain;

/// <summary>The kind of an OTLP <c>AnyValue</c>.</summary>
public enum AttributeKind : byte
{
    Empty = 0,
    String = 1,
    Bool = 2,
    Int = 3,
    Double = 4,
    Array = 5,
    KeyValueList = 6,
    Bytes = 7,
}

/// <summary>
/// A decoded scalar attribute value for rule evaluation. Arrays, maps and bytes keep their kind
/// and their text rendering only: rules compare scalars, storage renders the full value itself.
/// </summary>
public readonly record struct AttributeValue(AttributeKind Kind, string? Text, long Int, double Double, bool Bool)
{
    public static AttributeValue FromString(string s) => new(AttributeKind.String, s, 0, 0, false);

    public static AttributeValue FromInt(long v) => new(AttributeKind.Int, null, v, v, false);

    public static AttributeValue FromDouble(double v) => new(AttributeKind.Double, null, (long)v, v, false);

    public static AttributeValue FromBool(bool v) => new(AttributeKind.Bool, null, v ? 1 : 0, v ? 1 : 0, v);

    public bool IsNumeric => Kind is AttributeKind.Int or AttributeKind.Double;

    /// <summary>The value as text, the way the otel_traces Map(String, String) columns hold it.</summary>
    public string AsString() => Kind switch
    {
        AttributeKind.String => Text ?? string.Empty,
        AttributeKind.Bool => Bool ? "true" : "false",
        AttributeKind.Int => Int.ToString(CultureInfo.InvariantCulture),
        AttributeKind.Double => Double.ToString("R", CultureInfo.InvariantCulture),
        _ => Text ?? string.Empty,
    };

    public bool TryGetNumber(out double value)
    {
        switch (Kind)
        {
            case AttributeKind.Int:
                value = Int;
                return true;
            case AttributeKind.Double:
                value = Double;
                return true;
            case AttributeKind.String:
                return double.TryParse(Text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
            default:
                value = 0;
                return false;
        }
    }

    public override string ToString() => AsString();
}
