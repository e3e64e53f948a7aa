using System.Globalization;

namespace ActorTracing.Cli.Commands;

/// <summary>
/// Minimal switch parsing (`--name value`, `--flag`). Unknown switches are errors, not ignored:
/// a typo in an operator command must not silently run with defaults.
/// </summary>
public sealed class CliArgs
{
    private readonly Dictionary<string, string?> _switches = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public CliArgs(IEnumerable<string> args)
    {
        string? pending = null;
        foreach (var arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (pending is not null)
                {
                    _switches[pending] = null;
                }
                var eq = arg.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    _switches[arg[2..eq]] = arg[(eq + 1)..];
                    pending = null;
                }
                else
                {
                    pending = arg[2..];
                }
            }
            else if (pending is not null)
            {
                _switches[pending] = arg;
                pending = null;
            }
            else
            {
                Positionals.Add(arg);
            }
        }
        if (pending is not null)
        {
            _switches[pending] = null;
        }
    }

    public List<string> Positionals { get; } = [];

    public bool Flag(string name)
    {
        _used.Add(name);
        return _switches.ContainsKey(name);
    }

    public string? String(string name)
    {
        _used.Add(name);
        return _switches.TryGetValue(name, out var v) ? v ?? throw new CliException($"--{name} needs a value") : null;
    }

    public TimeSpan? Duration(string name)
    {
        var s = String(name);
        return s is null ? null : ParseDuration(s) ?? throw new CliException($"--{name}: '{s}' is not a duration (examples: 30s, 2m, 500ms)");
    }

    public double? Number(string name)
    {
        var s = String(name);
        if (s is null)
        {
            return null;
        }
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0
            ? v
            : throw new CliException($"--{name}: '{s}' is not a positive number");
    }

    /// <summary>Call after reading every switch a command knows.</summary>
    public void RejectUnknown()
    {
        var unknown = _switches.Keys.Where(k => !_used.Contains(k)).ToArray();
        if (unknown.Length > 0)
        {
            throw new CliException($"unknown option(s): {string.Join(", ", unknown.Select(u => "--" + u))}");
        }
    }

    public static TimeSpan? ParseDuration(string s)
    {
        s = s.Trim();
        var (unit, scale) = s.EndsWith("ms", StringComparison.Ordinal) ? ("ms", 0.001)
            : s.EndsWith('s') ? ("s", 1.0)
            : s.EndsWith('m') ? ("m", 60.0)
            : s.EndsWith('h') ? ("h", 3600.0)
            : (string.Empty, 1.0);
        var number = s[..^unit.Length];
        return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0
            ? TimeSpan.FromSeconds(v * scale)
            : null;
    }
}
