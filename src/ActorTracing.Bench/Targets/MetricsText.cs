using System.Globalization;

namespace ActorTracing.Bench;

/// <summary>
/// The samples of one Prometheus text exposition (a node's /metrics), summed by metric name
/// across label sets, or for one label value. Enough for the bench to add up a node's counters;
/// not a general parser (no escapes inside label values are interpreted, timestamps ignored).
/// </summary>
public sealed class MetricsText
{
    private readonly List<(string Name, string Labels, double Value)> _samples = [];

    private MetricsText()
    {
    }

    public int Count => _samples.Count;

    public static MetricsText Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var metrics = new MetricsText();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            string name, labels, rest;
            if (brace >= 0 && (space < 0 || brace < space))
            {
                // Label values may hold spaces and braces; the set ends at the last '}'.
                var close = line.LastIndexOf('}');
                if (close < brace)
                {
                    continue;
                }
                (name, labels, rest) = (line[..brace], line[(brace + 1)..close], line[(close + 1)..]);
            }
            else if (space > 0)
            {
                (name, labels, rest) = (line[..space], string.Empty, line[space..]);
            }
            else
            {
                continue;
            }
            var value = rest.Trim().Split(' ')[0];
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            {
                metrics._samples.Add((name, labels, v));
            }
        }
        return metrics;
    }

    /// <summary>The sum of every sample named <paramref name="name"/> (0 when none).</summary>
    public double Sum(string name) => _samples.Where(s => s.Name == name).Sum(s => s.Value);

    /// <summary>The sum of the samples named <paramref name="name"/> whose label <paramref name="label"/> is <paramref name="value"/>.</summary>
    public double Sum(string name, string label, string value)
    {
        var pair = $"{label}=\"{value}\"";
        return _samples.Where(s => s.Name == name && s.Labels.Split(',').Contains(pair, StringComparer.Ordinal)).Sum(s => s.Value);
    }

    public bool Has(string name) => _samples.Any(s => s.Name == name);
}
