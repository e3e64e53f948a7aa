namespace ActorTracing.Cli.Admin;

/// <summary>
/// One admin command as typed: `&lt;palette&gt; &lt;command&gt; [args] [switches]`. Short switches take
/// pbm's letters (-r type, -s path, -d depth, -t timeout, -y); --json, --yes and --token are
/// global. Values are validated by the command, unknown switches here.
/// </summary>
public sealed class AdminCommandLine
{
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["-r"] = "type",
        ["--type"] = "type",
        ["-s"] = "path",
        ["--path"] = "path",
        ["-d"] = "depth",
        ["--depth"] = "depth",
        ["-t"] = "timeout",
        ["--timeout"] = "timeout",
        ["--token"] = "token",
    };

    private static readonly HashSet<string> Flags = new(StringComparer.Ordinal) { "--json", "--yes", "-y", "-j" };

    private AdminCommandLine()
    {
    }

    public string? Palette { get; private init; }

    public string? Command { get; private init; }

    public IReadOnlyList<string> Arguments { get; private init; } = [];

    /// <summary>Valued switches by canonical name (type, path, depth, timeout, token).</summary>
    public IReadOnlyDictionary<string, string> Switches { get; private init; } = new Dictionary<string, string>();

    public bool Json { get; private init; }

    public bool Yes { get; private init; }

    public string? Token => Switches.GetValueOrDefault("token");

    /// <exception cref="AdminUsageException">An unknown switch or a switch without its value.</exception>
    public static AdminCommandLine Parse(IEnumerable<string> words)
    {
        var positionals = new List<string>();
        var switches = new Dictionary<string, string>(StringComparer.Ordinal);
        bool json = false, yes = false;
        using var e = words.GetEnumerator();
        while (e.MoveNext())
        {
            var word = e.Current;
            var eq = word.StartsWith("--", StringComparison.Ordinal) ? word.IndexOf('=', StringComparison.Ordinal) : -1;
            var name = eq > 0 ? word[..eq] : word;
            if (Flags.Contains(name))
            {
                json |= name is "--json" or "-j";
                yes |= name is "--yes" or "-y";
            }
            else if (Aliases.TryGetValue(name, out var canonical))
            {
                if (eq > 0)
                {
                    switches[canonical] = word[(eq + 1)..];
                }
                else if (e.MoveNext())
                {
                    switches[canonical] = e.Current;
                }
                else
                {
                    throw new AdminUsageException($"{name} needs a value");
                }
            }
            else if (word.Length > 1 && word[0] == '-')
            {
                throw new AdminUsageException($"unknown option {name}");
            }
            else
            {
                positionals.Add(word);
            }
        }
        return new AdminCommandLine
        {
            Palette = positionals.ElementAtOrDefault(0),
            Command = positionals.ElementAtOrDefault(1),
            Arguments = positionals.Skip(2).ToArray(),
            Switches = switches,
            Json = json,
            Yes = yes,
        };
    }

    /// <summary>Splits a prompt line into words; double or single quotes group words with spaces.</summary>
    public static IReadOnlyList<string> SplitLine(string line)
    {
        var words = new List<string>();
        var current = new System.Text.StringBuilder();
        char? quote = null;
        var inWord = false;
        foreach (var c in line)
        {
            if (quote is not null)
            {
                if (c == quote)
                {
                    quote = null;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(current.ToString());
                    current.Clear();
                    inWord = false;
                }
            }
            else
            {
                current.Append(c);
                inWord = true;
            }
        }
        if (quote is not null)
        {
            throw new AdminUsageException("unterminated quote");
        }
        if (inWord)
        {
            words.Add(current.ToString());
        }
        return words;
    }
}
