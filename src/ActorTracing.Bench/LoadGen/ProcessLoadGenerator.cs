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
    private readonly string _fileName;
    private readonly IReadOnlyList<string> _prefixArguments;

    /// <param name="fileName">The executable: `dotnet`, or the apphost itself.</param>
    /// <param name="prefixArguments">Arguments before the command, e.g. the path of actortracing.dll.</param>
    public ProcessLoadGenerator(string fileName, IReadOnlyList<string> prefixArguments)
    {
        _fileName = fileName;
        _prefixArguments = prefixArguments;
    }

    /// <summary>The running CLI: `dotnet actortracing.dll` when hosted by dotnet, else the apphost.</summary>
    public static ProcessLoadGenerator ForCurrentProcess(string entryAssemblyPath)
    {
        var host = Environment.ProcessPath ?? "dotnet";
        var hostName = Path.GetFileNameWithoutExtension(host);
        return string.Equals(hostName, "dotnet", StringComparison.Ordinal)
            ? new ProcessLoadGenerator(host, [entryAssemblyPath])
            : new ProcessLoadGenerator(host, []);
    }

    public string Describe(LoadGenRequest request) =>
        string.Join(' ', new[] { _fileName }.Concat(_prefixArguments).Concat(request.ToArguments()));

    public async Task<LoadGenResult> RunAsync(LoadGenRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var info = new ProcessStartInfo(_fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in _prefixArguments.Concat(request.ToArguments()))
        {
            info.ArgumentList.Add(a);
        }
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
