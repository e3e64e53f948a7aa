namespace ActorTracing.Cli.Admin;

/// <summary>
/// The admin client's terminal: where commands read confirmations and write tables. Tests pass
/// readers and writers; <see cref="FromSystem"/> is the real console.
/// </summary>
/// <param name="IsInteractive">A person can answer prompts (stdin is a terminal). Destructive commands without --yes fail otherwise.</param>
/// <param name="UseKeyEditor">Read prompt lines with Console.ReadKey (history, tab completion): only on a real terminal.</param>
public sealed record AdminConsole(TextReader In, TextWriter Out, TextWriter Error, bool IsInteractive, Func<string, string?> Environment, bool UseKeyEditor = false)
{
    public static AdminConsole FromSystem() => new(
        Console.In,
        Console.Out,
        Console.Error,
        !Console.IsInputRedirected,
        System.Environment.GetEnvironmentVariable,
        !Console.IsInputRedirected && !Console.IsOutputRedirected);
}
