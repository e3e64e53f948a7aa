using System.Globalization;

namespace ActorTracing.Cli.Admin;

/// <summary>`host:port` (or `[v6]:port`, or an http:// URL) of a node's admin endpoint.</summary>
public sealed record AdminTarget(Uri BaseUri, string Display)
{
    /// <summary>Whether a first argument names an endpoint rather than a command (`node`, `demo`, ...).</summary>
    public static bool Looks(string argument) => TryParse(argument, out _);

    public static bool TryParse(string argument, out AdminTarget target)
    {
        target = null!;
        if (string.IsNullOrWhiteSpace(argument) || argument.StartsWith('-'))
        {
            return false;
        }
        var text = argument.Contains("://", StringComparison.Ordinal) ? argument : "http://" + argument;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || !HasExplicitPort(argument))
        {
            return false;
        }
        // Shown in the prompt and in messages as the operator typed it, minus scheme and slashes.
        var display = argument.Contains("://", StringComparison.Ordinal) ? argument[(argument.IndexOf("://", StringComparison.Ordinal) + 3)..] : argument;
        target = new AdminTarget(new Uri(uri.GetLeftPart(UriPartial.Authority) + "/"), display.TrimEnd('/'));
        return true;
    }

    // "node" parses as http://node/ (port 80): only an explicit port makes an argument an endpoint.
    private static bool HasExplicitPort(string argument)
    {
        var authority = argument.Contains("://", StringComparison.Ordinal) ? argument[(argument.IndexOf("://", StringComparison.Ordinal) + 3)..] : argument;
        authority = authority.Split('/')[0];
        var colon = authority.LastIndexOf(':');
        return colon > 0 && colon > authority.LastIndexOf(']') && int.TryParse(authority[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out _);
    }
}
