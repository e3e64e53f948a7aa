using System.Net;
using System.Text.Json;

namespace ActorTracing.Cli.Admin;

/// <summary>
/// `actortracing &lt;host:port&gt; &lt;palette&gt; &lt;command&gt; [switches]`, or with no command an
/// interactive prompt. Every outcome maps to an <see cref="AdminExitCodes"/> value; nothing
/// prints a stack trace.
/// </summary>
public static class AdminCli
{
    public const string TokenEnvironmentVariable = "ACTORTRACING_ADMIN_TOKEN";

    public static string Usage => """
        usage: actortracing <host:port> <palette> <command> [args] [switches]
               actortracing <host:port>            (interactive prompt)
        """ + "\n" + AdminCatalog.Help + "\n" + """
        exit codes: 0 ok, 1 failed or partial answer, 2 bad arguments, 3 node unreachable, 4 unauthorized
        """;

    /// <param name="argv">The endpoint first, then the command words.</param>
    /// <param name="handler">HTTP handler for tests; null = sockets.</param>
    public static async Task<int> RunAsync(IReadOnlyList<string> argv, AdminConsole console, HttpMessageHandler? handler = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(argv);
        ArgumentNullException.ThrowIfNull(console);
        if (argv.Count == 0 || !AdminTarget.TryParse(argv[0], out var target))
        {
            await console.Error.WriteLineAsync("actortracing: the first argument must be an admin endpoint as host:port\n" + Usage).ConfigureAwait(false);
            return AdminExitCodes.BadArguments;
        }
        AdminCommandLine line;
        try
        {
            line = AdminCommandLine.Parse(argv.Skip(1));
        }
        catch (AdminUsageException e)
        {
            await console.Error.WriteLineAsync($"actortracing: {e.Message}").ConfigureAwait(false);
            return AdminExitCodes.BadArguments;
        }
        if (line.Palette is "help" or "-h" && line.Command is null)
        {
            await console.Out.WriteLineAsync(Usage).ConfigureAwait(false);
            return AdminExitCodes.Ok;
        }
        var token = line.Token ?? console.Environment(TokenEnvironmentVariable);
        using var client = new AdminClient(target, token, handler);
        if (line.Palette is null)
        {
            return await AdminPrompt.RunAsync(target, client, console, line.Json, cancellationToken).ConfigureAwait(false);
        }
        return await ExecuteAsync(client, line, console, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs one parsed command; shared by the one-shot form and the prompt.</summary>
    internal static async Task<int> ExecuteAsync(AdminClient client, AdminCommandLine line, AdminConsole console, CancellationToken cancellationToken)
    {
        AdminCommand command;
        AdminRequest request;
        try
        {
            command = AdminCatalog.Resolve(line);
            request = command.Request(line);
        }
        catch (AdminUsageException e)
        {
            await console.Error.WriteLineAsync($"actortracing: {e.Message}").ConfigureAwait(false);
            return AdminExitCodes.BadArguments;
        }

        if (command.Confirm is { } question && !line.Yes)
        {
            if (!console.IsInteractive)
            {
                await console.Error.WriteLineAsync($"actortracing: `{command.Palette} {command.Name}` is destructive and stdin is not a terminal: confirm with --yes").ConfigureAwait(false);
                return AdminExitCodes.BadArguments;
            }
            await console.Error.WriteAsync($"{question(line)} Proceed? [y/N] ").ConfigureAwait(false);
            var answer = (await console.In.ReadLineAsync(cancellationToken).ConfigureAwait(false))?.Trim();
            if (answer is not ("y" or "Y" or "yes" or "YES" or "Yes"))
            {
                await console.Error.WriteLineAsync("aborted: nothing was changed").ConfigureAwait(false);
                return AdminExitCodes.Failed;
            }
        }

        HttpStatusCode status;
        JsonDocument? body;
        string raw;
        try
        {
            (status, body, raw) = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (AdminUnreachableException e)
        {
            await console.Error.WriteLineAsync($"actortracing: {e.Message}").ConfigureAwait(false);
            return AdminExitCodes.Unreachable;
        }

        using (body)
        {
            if (status == HttpStatusCode.OK && body is not null)
            {
                if (line.Json)
                {
                    await console.Out.WriteLineAsync(raw).ConfigureAwait(false);
                }
                else
                {
                    command.Render(body.RootElement, console.Out);
                }
                // A partial answer is still printed, but a script must be able to tell.
                var partial = body.RootElement.TryGetProperty("failed", out var failed) && failed.ValueKind == JsonValueKind.Array && failed.GetArrayLength() > 0;
                return partial ? AdminExitCodes.Failed : AdminExitCodes.Ok;
            }

            var message = body is not null ? AdminRenderers.Str(body.RootElement, "message", raw) : $"HTTP {(int)status} {status}";
            if (line.Json && body is not null)
            {
                await console.Out.WriteLineAsync(raw).ConfigureAwait(false);
            }
            await console.Error.WriteLineAsync($"actortracing: {message}").ConfigureAwait(false);
            return status switch
            {
                HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => AdminExitCodes.Unauthorized,
                HttpStatusCode.BadRequest => AdminExitCodes.BadArguments,
                _ => AdminExitCodes.Failed,
            };
        }
    }
}
