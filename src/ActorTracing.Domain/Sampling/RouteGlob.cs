using System.Text;
using System.Text.RegularExpressions;

namespace ActorTracing.Domain.Sampling;

/// <summary>
/// Route globs as people write them for paths: <c>*</c> stays within one segment, <c>**</c>
/// crosses segments, <c>?</c> is one non-slash character, <c>{a,b}</c> is either.
/// </summary>
public static class RouteGlob
{
    /// <summary>The anchored regular expression equivalent to <paramref name="glob"/>.</summary>
    public static string ToRegex(string glob)
    {
        ArgumentNullException.ThrowIfNull(glob);
        var sb = new StringBuilder("^");
        var braceDepth = 0;
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            switch (c)
            {
                case '*' when i + 1 < glob.Length && glob[i + 1] == '*':
                    sb.Append(".*");
                    i++;
                    break;
                case '*':
                    sb.Append("[^/]*");
                    break;
                case '?':
                    sb.Append("[^/]");
                    break;
                case '{':
                    braceDepth++;
                    sb.Append("(?:");
                    break;
                case '}' when braceDepth > 0:
                    braceDepth--;
                    sb.Append(')');
                    break;
                case ',' when braceDepth > 0:
                    sb.Append('|');
                    break;
                default:
                    sb.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }
        if (braceDepth != 0)
        {
            throw new ArgumentException($"unbalanced '{{' in glob '{glob}'", nameof(glob));
        }
        return sb.Append('$').ToString();
    }
}
