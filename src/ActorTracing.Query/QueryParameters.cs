using System.Globalization;
using System.Text.Json;
using ActorTracing.Storage;

namespace ActorTracing.Query;

/// <summary>
/// Parsing of request parameters in the forms the Jaeger query service accepts. Every failure is a
/// <see cref="QueryParameterException"/> naming the parameter, which the API turns into a 400.
/// </summary>
internal static class QueryParameters
{
    private const long NanosPerMicro = 1_000;
    private const long NanosPerMilli = 1_000_000;

    /// <summary>
    /// A Go-style duration ("1.2s", "100ms", "5us", "1h30m"; units ns, us, µs, ms, s, m, h, and d
    /// for lookbacks) as nanoseconds. Negative durations are refused.
    /// </summary>
    public static long ParseDuration(string parameter, string text)
    {
        var s = text.Trim();
        if (s.Length == 0)
        {
            throw new QueryParameterException(parameter, "empty duration; use e.g. 1.2s, 100ms or 5us");
        }
        if (s == "0")
        {
            return 0;
        }
        decimal total = 0;
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }
            if (i == start || !decimal.TryParse(s.AsSpan(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                throw new QueryParameterException(parameter, $"'{text}' is not a duration; use e.g. 1.2s, 100ms or 5us");
            }
            var unitStart = i;
            while (i < s.Length && !char.IsAsciiDigit(s[i]) && s[i] != '.')
            {
                i++;
            }
            decimal unit = s[unitStart..i] switch
            {
                "ns" => 1,
                "us" or "µs" or "μs" => NanosPerMicro,
                "ms" => NanosPerMilli,
                "s" => 1_000_000_000m,
                "m" => 60_000_000_000m,
                "h" => 3_600_000_000_000m,
                "d" => 86_400_000_000_000m,
                _ => throw new QueryParameterException(parameter, $"'{text}' has no valid unit; use ns, us, ms, s, m or h (e.g. 1.2s)"),
            };
            total += number * unit;
            if (total > long.MaxValue)
            {
                throw new QueryParameterException(parameter, $"'{text}' is too long a duration");
            }
        }
        return (long)total;
    }

    public static int ParseLimit(string parameter, string? text, QuerySettings settings)
    {
        if (string.IsNullOrEmpty(text))
        {
            return settings.DefaultLimit;
        }
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) || limit < 1)
        {
            // Jaeger treats 0 as "default"; an explicit 0 from its UI must keep working.
            return text == "0" ? settings.DefaultLimit : throw new QueryParameterException(parameter, $"'{text}' is not a positive integer");
        }
        return Math.Min(limit, settings.MaxLimit);
    }

    /// <summary>Unix microseconds (Jaeger's start/end) as Unix nanoseconds.</summary>
    public static long ParseMicros(string parameter, string text)
    {
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var micros) || micros > long.MaxValue / NanosPerMicro)
        {
            throw new QueryParameterException(parameter, $"'{text}' is not a time in Unix microseconds");
        }
        return micros * NanosPerMicro;
    }

    /// <summary>Unix milliseconds (Jaeger's endTs/lookback of /api/dependencies).</summary>
    public static long ParseMillis(string parameter, string text)
    {
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var millis) || millis > long.MaxValue / NanosPerMilli)
        {
            throw new QueryParameterException(parameter, $"'{text}' is not a number of milliseconds");
        }
        return millis;
    }

    /// <summary>An RFC 3339 time (Jaeger v3's query.start_time_min/max) as Unix nanoseconds.</summary>
    public static long ParseRfc3339(string parameter, string text)
    {
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            || !text.Contains('T', StringComparison.Ordinal))
        {
            throw new QueryParameterException(parameter, $"'{text}' is not an RFC 3339 time (e.g. 2026-11-25T16:00:00Z)");
        }
        return UnixTime.ToUnixNano(time);
    }

    /// <summary>
    /// A trace id as stored: lowercase, left-padded with zeros to 32 hex characters (Jaeger accepts
    /// ids with leading zeros dropped, as some SDKs print them).
    /// </summary>
    public static string ParseTraceId(string parameter, string text)
    {
        var id = text.Trim().ToLowerInvariant();
        if (id.Length is 0 or > 32 || !id.All(char.IsAsciiHexDigitLower) || id.All(c => c == '0'))
        {
            throw new QueryParameterException(parameter, $"'{text}' is not a trace id (1 to 32 hex characters, not all zero)");
        }
        return id.PadLeft(32, '0');
    }

    /// <summary>Jaeger's lowercase span kind ("server") as stored ("Server"); empty means any.</summary>
    public static string? ParseSpanKind(string parameter, string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" => null,
        "server" => "Server",
        "client" => "Client",
        "producer" => "Producer",
        "consumer" => "Consumer",
        "internal" => "Internal",
        "unspecified" => "Unspecified",
        _ => throw new QueryParameterException(parameter, $"'{text}' is not a span kind (server, client, producer, consumer, internal, unspecified)"),
    };

    /// <summary>Stored span kind in Jaeger's spelling ("Server" → "server"; unspecified → "").</summary>
    public static string JaegerSpanKind(string stored) => stored switch
    {
        "Server" => "server",
        "Client" => "client",
        "Producer" => "producer",
        "Consumer" => "consumer",
        "Internal" => "internal",
        _ => string.Empty,
    };

    /// <summary>
    /// Tag conditions from Jaeger's <c>tags</c> JSON object (<c>{"http.status_code":"500"}</c>; non-string
    /// values are matched by their JSON text) and repeated <c>tag=key:value</c> parameters.
    /// </summary>
    public static List<KeyValuePair<string, string>> ParseTags(string jsonParameter, IEnumerable<string> json, string tagParameter, IEnumerable<string> tags)
    {
        var result = new List<KeyValuePair<string, string>>();
        foreach (var text in json)
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }
            try
            {
                using var doc = JsonDocument.Parse(text);
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw new QueryParameterException(jsonParameter, "must be a JSON object of key/value strings, e.g. {\"error\":\"true\"}");
                }
                foreach (var property in doc.RootElement.EnumerateObject())
                {
                    var value = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() ?? string.Empty : property.Value.GetRawText();
                    result.Add(new(property.Name, value));
                }
            }
            catch (JsonException e)
            {
                throw new QueryParameterException(jsonParameter, $"is not valid JSON ({e.Message}); use e.g. {{\"error\":\"true\"}}");
            }
        }
        foreach (var text in tags)
        {
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new QueryParameterException(tagParameter, $"'{text}' is not key:value");
            }
            result.Add(new(text[..colon], text[(colon + 1)..]));
        }
        foreach (var (key, _) in result)
        {
            if (key.Length == 0)
            {
                throw new QueryParameterException(jsonParameter, "a tag key is empty");
            }
        }
        return result;
    }
}
