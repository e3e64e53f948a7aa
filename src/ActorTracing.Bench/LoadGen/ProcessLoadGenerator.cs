using System.Diagnostics;
using System.Text;

namespace ActorTracing.Bench;

/// <summary>
/// Starts `actortracing loadgen ...` as a child process (the same CLI build the bench runs from)
/// and reads its one-line JSON summary from stdout. A separate process is the point: the
/// generator's CPU, GC pauses and thread pool must not be the node's.
/// </summary>
public sealed class ProcessLoadGenerator : ILoadGenerator
{
    private readonly SelfCommand _command;

    public ProcessLoadGenerator(SelfCommand command)
    {
        _command = command;
    }

    public string Describe(LoadGenRequest request) => _command.Describe(request.ToArguments());

    public async Task<LoadGenResult> RunAsync(LoadGenRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var info = _command.StartInfo(request.ToArguments());
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        using var process = new Process { StartInfo = info };
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    // Only the tail matters when a run fails; progress lines would grow without bound.
                    if (stderr.Length > 16_384)
                    {
                        stderr.Remove(0, stderr.Length - 8192);
                    }
                    stderr.AppendLine(e.Data);
                }
            }
        };
        if (!process.Start())
        {
            throw new InvalidOperationException("could not start the load generator: " + Describe(request));
        }
        process.BeginErrorReadLine();
        string stdout;
        try
        {
            stdout = await process.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        var lastLine = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        // Exit code 1 with a summary means some requests failed: a measurement, judged by the bench.
        if (lastLine is null || !lastLine.StartsWith('{'))
        {
            string tail;
            lock (stderr)
            {
                tail = stderr.ToString();
            }
            throw new InvalidOperationException($"load generator exited with {process.ExitCode}: {Describe(request)}\n{tail}");
        }
        return BenchJson.Deserialize<LoadGenResult>(lastLine);
    }
}
