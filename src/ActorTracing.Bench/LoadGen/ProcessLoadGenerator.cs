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

    /// <summary>
    /// The generator's GC settings: DATAS off and a 512 MiB gen0 budget, so the generator collects
    /// about once a minute instead of during the measured runs. It allocates ~6 MB/s (requests come
    /// from its own pool) and holds ~13 MB live, so the budget is garbage it can afford; but under
    /// DATAS its young GCs were rare and long — 2–6 per 30 s run of up to 65 ms in the full runs,
    /// 25–104 ms standalone, its GC threads waiting for cores the node keeps busy — and every
    /// request due during one is measured late, from its intended send time, as if the node had
    /// stalled (standalone at 200k, the one run of three with a 1.2 s p99 had the generator's
    /// longest pauses, 104 ms; with these settings three runs had no young GC at all). A variable
    /// already set in the bench's environment is left as set.
    /// </summary>
    internal static readonly IReadOnlyList<(string Name, string Value)> GeneratorGcEnvironment =
    [
        ("DOTNET_GCDynamicAdaptationMode", "0"),
        ("DOTNET_GCgen0size", "0x20000000"),
    ];

    public string Describe(LoadGenRequest request) =>
        string.Join(' ', GeneratorGc(Environment.GetEnvironmentVariable).Select(v => $"{v.Name}={v.Value}")) + " " + _command.Describe(request.ToArguments());

    /// <summary>The child's start info: its arguments, and <see cref="GeneratorGcEnvironment"/> where <paramref name="environment"/> does not set them.</summary>
    internal ProcessStartInfo StartInfo(LoadGenRequest request, Func<string, string?> environment) =>
        _command.StartInfo(request.ToArguments(), environment, GeneratorGcEnvironment);

    private static IEnumerable<(string Name, string Value)> GeneratorGc(Func<string, string?> environment) =>
        GeneratorGcEnvironment.Select(v => (v.Name, environment(v.Name) ?? v.Value));

    public async Task<LoadGenResult> RunAsync(LoadGenRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var info = StartInfo(request, Environment.GetEnvironmentVariable);
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
