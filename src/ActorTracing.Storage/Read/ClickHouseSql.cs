using System.Globalization;
using System.Text;

namespace ActorTracing.Storage;

/// <summary>
/// The only way caller text enters a query: string literals escaped here and trace ids checked to
/// be exactly 32 lowercase hex characters. chDB's C API and ClickHouse 18.16's HTTP interface
/// differ in query-parameter support, so strict literals are the one form every reader shares.
/// </summary>
public static class ClickHouseSql
{
    /// <summary>
    /// A single-quoted ClickHouse string literal. Backslash and quote are escaped, and so are
    /// control characters: NUL above all, because chDB takes the query as a C string and would
    /// silently cut it at the first NUL (dropping the closing quote and everything after).
    /// </summary>
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var builder = new StringBuilder(value.Length + 2);
        builder.Append('\'');
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\':
                    builder.Append("\\\\");
                    break;
                case '\'':
                    builder.Append("\\'");
                    break;
                case '\0':
                    builder.Append("\\0");
                    break;
                case '\n':
                    builder.Append("\\n");
                    break;
                case '\r':
                    builder.Append("\\r");
                    break;
                case '\t':
                    builder.Append("\\t");
                    break;
                default:
                    if (char.IsControl(c))
                    {
                        builder.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }
                    break;
            }
        }
        return builder.Append('\'').ToString();
    }

    /// <summary>True for exactly 32 lowercase hex characters, the stored form of a trace id.</summary>
    public static bool IsTraceId(string? value) => IsLowerHex(value, 32);

    /// <summary>True for exactly 16 lowercase hex characters, the stored form of a span id.</summary>
    public static bool IsSpanId(string? value) => IsLowerHex(value, 16);

    /// <summary>A parenthesized IN list of validated trace ids.</summary>
    /// <exception cref="ArgumentException">An id is not 32 lowercase hex characters.</exception>
    public static string TraceIdList(IEnumerable<string> traceIds)
    {
        ArgumentNullException.ThrowIfNull(traceIds);
        var builder = new StringBuilder("(");
        foreach (var id in traceIds)
        {
            if (!IsTraceId(id))
            {
                throw new ArgumentException($"'{id}' is not a trace id (32 lowercase hex characters).", nameof(traceIds));
            }
            if (builder.Length > 1)
            {
                builder.Append(", ");
            }
            builder.Append('\'').Append(id).Append('\'');
        }
        return builder.Append(')').ToString();
    }

    /// <summary>A DateTime64(9) literal for Unix nanoseconds, compared without string parsing or time zones.</summary>
    public static string Nanos(long unixNano) =>
        string.Create(CultureInfo.InvariantCulture, $"fromUnixTimestamp64Nano(toInt64({unixNano}), 'UTC')");

    private static bool IsLowerHex(string? value, int length)
    {
        if (value is null || value.Length != length)
        {
            return false;
        }
        foreach (var c in value)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }
        }
        return true;
    }
}
