using System.Diagnostics;
using System.Runtime.InteropServices;
using ActorTracing.Bench;
using ActorTracing.Node.Topology;

namespace ActorTracing.Cli.Up;

/// <summary>One node of the cluster file running as a child process, its output in a log file.</summary>
public sealed partial class NodeProcess : IDisposable
{
    private const int SigTerm = 15;

    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Task _pump;

    private NodeProcess(TopologyNode node, Process process, StreamWriter log, string logPath)
    {
        Node = node;
        _process = process;
        _log = log;
        LogPath = logPath;
        _pump = Task.WhenAll(Pump(process.StandardOutput), Pump(process.StandardError));
    }

    public TopologyNode Node { get; }

    public string LogPath { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public Task Exited => _process.WaitForExitAsync();

    /// <param name="extraArguments">After the node's own switches, e.g. `--config FILE` (layered under the cluster file's part).</param>
    public static NodeProcess Start(TopologyNode node, string clusterFile, string dataRoot, IReadOnlyList<string> extraArguments)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(extraArguments);
        var logDir = Path.Combine(dataRoot, "logs");
        Directory.CreateDirectory(logDir);
        var logPath = Path.Combine(logDir, node.Name + ".log");
        var info = Self.StartInfo(new[] { "node", "--cluster", clusterFile, "--node", node.Name, "--data", dataRoot }.Concat(extraArguments));
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"node {node.Name} did not start");
        var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        return new NodeProcess(node, process, log, logPath);
    }

    /// <summary>This CLI again, the build that is running now.</summary>
    public static SelfCommand Self { get; } = SelfCommand.ForCurrentProcess(typeof(NodeProcess).Assembly.Location);

    /// <summary>SIGTERM: the node stops ingest, hands its shards off (deciding in-flight traces) and flushes storage.</summary>
    public void Terminate()
    {
        if (!_process.HasExited)
        {
            _ = Kill(_process.Id, SigTerm);
        }
    }

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            await _pump.ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void KillHard()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    public void Dispose()
    {
        _process.Dispose();
        _log.Dispose();
    }

    private async Task Pump(StreamReader reader)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            lock (_log)
            {
                _log.WriteLine(line);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
