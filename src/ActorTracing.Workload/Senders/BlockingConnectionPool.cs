using System.Collections.Concurrent;
using System.Net.Sockets;

namespace ActorTracing.Workload;

/// <summary>A kept-alive connection of a blocking sender (<see cref="Http1Connection"/>, <see cref="H2cConnection"/>).</summary>
internal interface IBlockingConnection : IDisposable
{
    /// <summary>Whether a call completed on this connection before (only then can it have gone stale while idle).</summary>
    bool Reused { get; }

    /// <summary>Whether the server answered anything of the current call.</summary>
    bool ResponseStarted { get; }
}

/// <summary>
/// The idle connections of a blocking sender, one taken per call and handed back after it, so
/// each of the generator's sender threads ends up with a connection of its own. Both transports
/// share what a call around a connection must get right: cancellation closes the socket (the
/// one way to interrupt a blocking send or receive), and a kept-alive connection the node closed
/// while it sat idle is replaced at once without counting an attempt.
/// </summary>
internal sealed class BlockingConnectionPool<TConnection>(Func<TConnection> open)
    where TConnection : class, IBlockingConnection
{
    private readonly ConcurrentStack<TConnection> _idle = new();
    private volatile bool _disposed;

    public bool IsDisposed => _disposed;

    /// <summary>
    /// Runs <paramref name="exchange"/> on an idle connection, or a new one, and hands the
    /// connection back when <paramref name="reusable"/> says it may carry another call. State
    /// goes in as an argument, so the static delegates of the senders allocate nothing per call.
    /// </summary>
    /// <exception cref="SocketException">Connecting, or a timeout, or a failure on a fresh connection.</exception>
    /// <exception cref="IOException">The connection failed during the call.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public TResult Exchange<TState, TResult>(
        TState state,
        Func<TConnection, TState, TResult> exchange,
        Func<TConnection, TResult, bool> reusable,
        CancellationToken cancellationToken)
    {
        while (true)
        {
            if (!_idle.TryPop(out var connection))
            {
                connection = open();
            }
            TResult result;
            var registration = cancellationToken.Register(static c => ((TConnection)c!).Dispose(), connection);
            try
            {
                result = exchange(connection, state);
            }
            catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException)
            {
                registration.Dispose();
                connection.Dispose();
                cancellationToken.ThrowIfCancellationRequested();
                if (connection.Reused && !connection.ResponseStarted && ex is not SocketException { SocketErrorCode: SocketError.TimedOut or SocketError.WouldBlock })
                {
                    // Closed, reset or sent away before any answer on a connection that sat idle:
                    // most likely the node dropped it while idle, before reading this request. A
                    // timeout is not that — the node may be working on it — and counts as an attempt.
                    continue;
                }
                if (ex is ObjectDisposedException)
                {
                    throw new IOException("connection closed", ex);
                }
                throw;
            }
            registration.Dispose();
            if (reusable(connection, result) && !_disposed && !cancellationToken.IsCancellationRequested)
            {
                _idle.Push(connection);
                if (_disposed)
                {
                    // Dispose ran between the check and the push; nobody else will close it.
                    DisposeIdle();
                }
            }
            else
            {
                connection.Dispose();
            }
            return result;
        }
    }

    public void Dispose()
    {
        _disposed = true;
        DisposeIdle();
    }

    private void DisposeIdle()
    {
        while (_idle.TryPop(out var connection))
        {
            connection.Dispose();
        }
    }
}
