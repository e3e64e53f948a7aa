using System.Runtime.InteropServices;

namespace ActorTracing.Cli.Commands;

/// <summary>
/// Ctrl-C and SIGTERM as one cancellation token, for the commands that run until stopped (node,
/// up, bench, bench-node). Both are taken over (the runtime would otherwise end the process at
/// once), so the command stops what it started in order: ingest, hand-off, storage flush.
/// </summary>
public sealed class StopSignal : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration _sigterm;

    public StopSignal()
    {
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            _stop.Cancel();
        });
        Console.CancelKeyPress += OnCancelKey;
    }

    public CancellationToken Token => _stop.Token;

    public bool IsCancellationRequested => _stop.IsCancellationRequested;

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancelKey;
        _sigterm.Dispose();
        _stop.Dispose();
    }

    private void OnCancelKey(object? sender, ConsoleCancelEventArgs e)
    {
        e.Cancel = true;
        _stop.Cancel();
    }
}
