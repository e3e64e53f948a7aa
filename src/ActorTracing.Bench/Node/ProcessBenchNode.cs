using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;

namespace ActorTracing.Bench;

/// <summary>
/// The bench's node as a child process (`actortracing bench-node`, <see cref="BenchNodeHost"/>):
/// started from this same CLI, read over its loopback control endpoint, stopped gracefully (its
/// shards hand off, storage flushes) and killed only if it does not stop in time. Its output after
/// the ready line goes to a log file beside its data. Its stdin stays open while this object
/// lives: if the bench dies, the child sees end of input and stops itself.
/// </summary>
public sealed class ProcessBenchNode : IBenchTarget, IAsyncDisposable
{
    private static readonly TimeSpan ShortCall = TimeSpan.FromSeconds(10);

    private readonly Process _process;
    private readonly HttpClient _http;
    private readonly Task _pump;
    private readonly StreamWriter _log;
    private readonly double _clockOffset;
    private BenchTarget _described;
    private int _stopped;

    private ProcessBenchNode(Process process, BenchNodeReady ready, double clockOffset, StreamWriter log, string logPath, Task stderrPump)
    {
        _process = process;
        Ready = ready;
        _clockOffset = clockOffset;
        _log = log;
        LogPath = logPath;
        _described = new BenchTarget();
        IngestPoints = [new IngestPoint(EmbeddedTarget.NodeName, ready.Region, ready.Http, ready.Grpc)];
        // Per call timeouts instead (a storage merge takes long, a sample must not).
        _http = new HttpClient { BaseAddress = ready.Control, Timeout = Timeout.InfiniteTimeSpan };
        _pump = Task.WhenAll(Pump(process.StandardOutput, log), stderrPump);
    }

    public BenchNodeReady Ready { get; }

    public string LogPath { get; }

    public int Pid => Ready.Pid;

    /// <summary>The child's exit code once it has exited (after <see cref="StopAsync"/>).</summary>
    public int ExitCode => _process.ExitCode;

    public TimeSpan SendDelay => TimeSpan.FromSeconds(Ready.SendDelaySeconds);

    public IReadOnlyList<IngestPoint> IngestPoints { get; }

    public TimeSpan ProbePollInterval => TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Starts the node and waits for its ready line.
    /// </summary>
    /// <param name="now">The bench's clock in seconds: GC pause times are converted to it.</param>
    /// <exception cref="InvalidOperationException">The child exited or was not ready within <paramref name="timeout"/>; the message carries the end of its output.</exception>
    public static async Task<ProcessBenchNode> StartAsync(SelfCommand command, BenchNodeSpec spec, Func<double> now, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(now);
        Directory.CreateDirectory(spec.DataDirectory);
        var info = command.StartInfo(spec.ToArguments());
        info.RedirectStandardInput = true;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start " + command.Describe(spec.ToArguments()));
        var logPath = Path.Combine(spec.DataDirectory, spec.Database + ".log");
        var log = new StreamWriter(logPath, append: false, Encoding.UTF8) { AutoFlush = true };
        var stderr = Pump(process.StandardError, log);
        try
        {
            using var ready = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            ready.CancelAfter(timeout);
            BenchNodeReady? line = null;
            while (line is null)
            {
                string? text;
                try
                {
                    text = await process.StandardOutput.ReadLineAsync(ready.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new InvalidOperationException($"bench-node was not ready within {timeout.TotalSeconds:0}s; its output is in {logPath}");
                }
                if (text is null)
                {
                    await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                    await stderr.ConfigureAwait(false);
                    throw new InvalidOperationException($"bench-node exited with {process.ExitCode} before it was ready: {Tail(logPath)}");
                }
                Write(log, text);
                if (text.StartsWith(BenchNodeHost.ReadyPrefix, StringComparison.Ordinal))
                {
                    line = BenchJson.Deserialize<BenchNodeReady>(text[BenchNodeHost.ReadyPrefix.Length..]);
                }
            }
            // The child wrote its clock just before the line; reading it here is later by the pipe's latency (well under a ms).
            var node = new ProcessBenchNode(process, line, now() - line.ClockSeconds, log, logPath, stderr);
            node._described = await node.DescribeAsync(cancellationToken).ConfigureAwait(false);
            return node;
        }
        catch
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            process.Dispose();
            await log.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>As of the last reading: when the node runs, its start; once stopped, just before it stopped.</summary>
    public BenchTarget Describe() => Volatile.Read(ref _described);

    public async Task<NodeSample> SampleAsync(double seconds, string phase, CancellationToken cancellationToken) =>
        await GetAsync<NodeSample>(string.Create(CultureInfo.InvariantCulture, $"sample?seconds={seconds}&phase={Uri.EscapeDataString(phase)}"), ShortCall, cancellationToken).ConfigureAwait(false);

    public Task<long> CountRowsAsync(CancellationToken cancellationToken) => GetAsync<long>("rows", ShortCall, cancellationToken);

    public async Task<IReadOnlyDictionary<string, StoredTrace>> StoredTracesAsync(IReadOnlyCollection<string> traceIds, CancellationToken cancellationToken) =>
        await PostAsync<Dictionary<string, StoredTrace>>("stored-traces", traceIds, TimeSpan.FromMinutes(2), cancellationToken).ConfigureAwait(false);

    public Task<StorageResult> MeasureStorageAsync(CancellationToken cancellationToken) => PostAsync<StorageResult>("storage", null, TimeSpan.FromMinutes(10), cancellationToken);

    /// <summary>The node's GC pauses that ended between two readings of the bench's clock, on that clock.</summary>
    public async Task<IReadOnlyList<GcPause>> GcPausesAsync(double fromSeconds, double toSeconds, CancellationToken cancellationToken)
    {
        var pauses = await GetAsync<GcPause[]>(
            string.Create(CultureInfo.InvariantCulture, $"gc-pauses?from={fromSeconds - _clockOffset}&to={toSeconds - _clockOffset}"), ShortCall, cancellationToken).ConfigureAwait(false);
        return [.. pauses.Select(p => p with { Seconds = p.Seconds + _clockOffset })];
    }

    /// <summary>Collects every generation in the node's process, compacting, and returns its heap afterwards: the bytes the node holds.</summary>
    public Task<long> CollectHeapAsync(CancellationToken cancellationToken) => PostAsync<long>("collect", null, TimeSpan.FromMinutes(1), cancellationToken);

    /// <summary>Asks the node to stop within <paramref name="timeout"/> (hand-off, flush) and waits for its exit; kills it past that.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }
        try
        {
            if (!_process.HasExited)
            {
                Volatile.Write(ref _described, await DescribeAsync(CancellationToken.None).ConfigureAwait(false));
                await PostAsync<string>(string.Create(CultureInfo.InvariantCulture, $"stop?timeout={timeout.TotalSeconds}"), null, timeout + ShortCall, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or InvalidOperationException)
        {
            Write(_log, $"bench: stopping the node over its control endpoint failed ({e.Message}); it is killed if it does not exit");
        }
        _process.StandardInput.Close();
        using var exit = new CancellationTokenSource(ShortCall);
        try
        {
            await _process.WaitForExitAsync(exit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
        await _pump.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        _http.Dispose();
        _process.Dispose();
        await _log.DisposeAsync().ConfigureAwait(false);
    }

    private Task<BenchTarget> DescribeAsync(CancellationToken cancellationToken) => GetAsync<BenchTarget>("describe", ShortCall, cancellationToken);

    private async Task<T> GetAsync<T>(string path, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var call = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        call.CancelAfter(timeout);
        using var response = await _http.GetAsync(path, call.Token).ConfigureAwait(false);
        return await Read<T>(response, path, call.Token).ConfigureAwait(false);
    }

    private async Task<T> PostAsync<T>(string path, object? body, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var call = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        call.CancelAfter(timeout);
        using var content = body is null ? null : JsonContent.Create(body, options: BenchJson.Options);
        using var response = await _http.PostAsync(path, content, call.Token).ConfigureAwait(false);
        return await Read<T>(response, path, call.Token).ConfigureAwait(false);
    }

    private async Task<T> Read<T>(HttpResponseMessage response, string path, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"bench-node (pid {Pid}) answered {(int)response.StatusCode} to {path}: {text}; its log: {LogPath}");
        }
        return BenchJson.Deserialize<T>(text);
    }

    private static async Task Pump(StreamReader reader, StreamWriter log)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            Write(log, line);
        }
    }

    // Both pumps and this class write one file. A pump may still hold a last line when a failed
    // start has closed the file (the child is killed first): that line is dropped, not thrown.
    private static void Write(StreamWriter log, string line)
    {
        lock (log)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private static string Tail(string logPath)
    {
        var lines = File.ReadAllLines(logPath);
        return string.Join('\n', lines.Skip(Math.Max(0, lines.Length - 20)));
    }
}
