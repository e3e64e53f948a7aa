namespace ActorTracing.Cli.Admin;

/// <summary>
/// The interactive form: `[host:port] actortracing&gt; ` then one command per line. On a terminal
/// lines are edited with <see cref="LineEditor"/> (history, tab completion); otherwise lines are
/// read as they come (scripts, pipes) and no prompt is printed. Returns the exit code of the last
/// command, so `printf 'cluster show\n' | actortracing host:port` behaves like the one-shot form.
/// </summary>
internal static class AdminPrompt
{
    public static async Task<int> RunAsync(AdminTarget target, AdminClient client, AdminConsole console, bool json, CancellationToken cancellationToken)
    {
        var prompt = $"[{target.Display}] actortracing> ";
        var history = new List<string>();
        var last = AdminExitCodes.Ok;
        if (console.IsInteractive)
        {
            await console.Out.WriteLineAsync($"connected to {target.Display}; `help` lists commands, Tab completes, `exit` leaves").ConfigureAwait(false);
        }
        while (!cancellationToken.IsCancellationRequested)
        {
            string? text;
            if (console.UseKeyEditor)
            {
                text = LineEditor.ReadLine(prompt, history, AdminCatalog.Complete);
            }
            else
            {
                if (console.IsInteractive)
                {
                    await console.Out.WriteAsync(prompt).ConfigureAwait(false);
                    await console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
                text = await console.In.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            }
            if (text is null)
            {
                break;
            }
            text = text.Trim();
            if (text.Length == 0 || text.StartsWith('#'))
            {
                continue;
            }
            if (history.Count == 0 || history[^1] != text)
            {
                history.Add(text);
            }
            if (text is "exit" or "quit")
            {
                break;
            }
            if (text is "help" or "?")
            {
                await console.Out.WriteLineAsync(AdminCatalog.Help).ConfigureAwait(false);
                continue;
            }
            AdminCommandLine line;
            try
            {
                line = AdminCommandLine.Parse(AdminCommandLine.SplitLine(text).Concat(json ? ["--json"] : []));
            }
            catch (AdminUsageException e)
            {
                await console.Error.WriteLineAsync($"actortracing: {e.Message}").ConfigureAwait(false);
                last = AdminExitCodes.BadArguments;
                continue;
            }
            if (line.Token is not null)
            {
                await console.Error.WriteLineAsync("actortracing: --token is set once for the prompt (start it with --token or $ACTORTRACING_ADMIN_TOKEN)").ConfigureAwait(false);
                last = AdminExitCodes.BadArguments;
                continue;
            }
            last = await AdminCli.ExecuteAsync(client, line, console, cancellationToken).ConfigureAwait(false);
        }
        return last;
    }
}
