using System.Globalization;

namespace ActorTracing.Query;

/// <summary>
/// A stored attribute string with the type it most likely had. The otel_traces Map(String, String)
/// columns keep no types: SpanRowEncoder writes bools as "true"/"false", ints in invariant decimal
/// and doubles as their shortest round-trip ("R") text, arrays and maps as compact JSON. So a value
/// is typed back only when it is EXACTLY such a rendering: "true"/"false" → bool; a canonical
/// decimal integer ("-12", not "012", "+1" or "1e3") that fits Int64 → int64; a finite number
/// whose "R" rendering is the text itself → float64; everything else (JSON arrays included) stays
/// a string. Known losses: a string attribute holding e.g. "42" or "true" comes back typed, and a
/// double with an integral value ("3") comes back as int64 — the stored text cannot tell.
/// </summary>
internal readonly record struct TypedValue(TypedValueKind Kind, string Text, long Int, double Double, bool Bool)
{
    public static TypedValue String(string text) => new(TypedValueKind.String, text, 0, 0, false);

    public static TypedValue Infer(string text)
    {
        switch (text)
        {
            case "true":
                return new(TypedValueKind.Bool, text, 0, 0, true);
            case "false":
                return new(TypedValueKind.Bool, text, 0, 0, false);
            case "":
                return String(text);
        }
        var first = text[0];
        if (first is not ((>= '0' and <= '9') or '-'))
        {
            return String(text);
        }
        if (IsCanonicalInteger(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            return new(TypedValueKind.Int64, text, l, l, false);
        }
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            && double.IsFinite(d)
            && d.ToString("R", CultureInfo.InvariantCulture) == text)
        {
            return new(TypedValueKind.Float64, text, 0, d, false);
        }
        return String(text);
    }

    /// <summary>Jaeger's tag type name.</summary>
    public string JaegerType => Kind switch
    {
        TypedValueKind.Bool => "bool",
        TypedValueKind.Int64 => "int64",
        TypedValueKind.Float64 => "float64",
        _ => "string",
    };

    private static bool IsCanonicalInteger(string text)
    {
        var digits = text.AsSpan(text[0] == '-' ? 1 : 0);
        if (digits.IsEmpty || (digits[0] == '0' && (digits.Length > 1 || text[0] == '-')))
        {
            return false;
        }
        foreach (var c in digits)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }
        return true;
    }
}
