using System.Globalization;
using System.Text;

namespace ActorTracing.Persistence.Redis;

/// <summary>Writes <see cref="RedisPersistenceOptions"/> as the plugin keys shared by both sections.</summary>
internal static class RedisHocon
{
    public static void AppendPluginKeys(StringBuilder sb, RedisPersistenceOptions options)
    {
        sb.AppendLine(CultureInfo.InvariantCulture, $"configuration-string = {Quote(options.ConfigurationString)}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"database = {options.Database}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"key-prefix = {Quote(options.KeyPrefix)}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"key-ttl = {Duration(options.KeyTtl)}");
        sb.AppendLine("key-ttl-by-prefix {");
        foreach (var (prefix, ttl) in options.KeyTtlByPrefix)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"  {Quote(prefix)} = {Duration(ttl)}");
        }

        sb.AppendLine("}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"single-event-prefixes = [{string.Join(", ", options.SingleEventPrefixes.Select(Quote))}]");
    }

    // Fractional milliseconds keep a sub-millisecond value visible to the settings validation instead
    // of rounding it to "0ms" (= off).
    private static string Duration(TimeSpan value) =>
        value.TotalMilliseconds.ToString("R", CultureInfo.InvariantCulture) + "ms";

    private static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
