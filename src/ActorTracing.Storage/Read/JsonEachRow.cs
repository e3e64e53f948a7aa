using System.Globalization;
using System.Text.Json;

namespace ActorTracing.Storage;

/// <summary>
/// Reads ClickHouse's JSONEachRow output. 64-bit integers arrive quoted by default
/// (output_format_json_quote_64bit_integers) and unquoted when a server is set otherwise, so
/// numbers are accepted in both forms.
/// </summary>
internal static class JsonEachRow
{
    public static List<T> Read<T>(ReadOnlySpan<byte> data, Func<JsonElement, T> map)
    {
        var rows = new List<T>();
        var reader = new Utf8JsonReader(data, new JsonReaderOptions { AllowMultipleValues = true });
        while (reader.Read())
        {
            using var row = JsonDocument.ParseValue(ref reader);
            rows.Add(map(row.RootElement));
        }
        return rows;
    }

    public static string String(JsonElement row, string name) =>
        row.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() ?? string.Empty : string.Empty;

    public static long Int64(JsonElement row, string name) => row.TryGetProperty(name, out var value) ? Int64(value) : 0;

    public static long Int64(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => value.TryGetInt64(out var l) ? l : value.TryGetUInt64(out _) ? long.MaxValue : 0,
        JsonValueKind.String => long.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) ? l
            : ulong.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out _) ? long.MaxValue : 0,
        _ => 0,
    };

    public static IReadOnlyDictionary<string, string> Map(JsonElement value)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (value.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in value.EnumerateObject())
            {
                map[property.Name] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() ?? string.Empty : property.Value.GetRawText();
            }
        }
        return map;
    }

    public static IReadOnlyDictionary<string, string> Map(JsonElement row, string name) =>
        row.TryGetProperty(name, out var value) ? Map(value) : Map(default);

    public static List<JsonElement> Array(JsonElement row, string name) =>
        row.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array ? [.. value.EnumerateArray()] : [];

    public static List<string> Strings(JsonElement row, string name) =>
        [.. Array(row, name).Select(e => e.ValueKind == JsonValueKind.String ? e.GetString() ?? string.Empty : e.GetRawText())];

    public static List<long> Int64s(JsonElement row, string name) => [.. Array(row, name).Select(Int64)];
}
