using System.Text.Json;

namespace ActorTracing.Cli.Admin;

/// <summary>One command of a palette: how it is typed, what it asks the node, how its answer prints.</summary>
/// <param name="Switches">Canonical names of the valued switches it takes (type, path, depth, timeout).</param>
/// <param name="Arguments">Names of its positional arguments, all required.</param>
/// <param name="Confirm">For destructive commands: the question asked unless --yes.</param>
public sealed record AdminCommand(
    string Palette,
    string Name,
    string Summary,
    IReadOnlyList<string> Arguments,
    IReadOnlyList<string> Switches,
    Func<AdminCommandLine, AdminRequest> Request,
    Action<JsonElement, TextWriter> Render,
    Func<AdminCommandLine, string>? Confirm = null)
{
    public bool Destructive => Confirm is not null;

    public string Usage
    {
        get
        {
            var args = string.Concat(Arguments.Select(a => $" <{a}>"));
            var switches = string.Concat(Switches.Select(s => s switch
            {
                "type" => " -r <type>",
                "path" => " [-s <path>]",
                "depth" => " [-d <depth>]",
                "timeout" => " [-t <seconds>]",
                _ => $" [--{s} <value>]",
            }));
            return $"{Palette} {Name}{args}{switches}{(Destructive ? " [--yes]" : string.Empty)}";
        }
    }
}
