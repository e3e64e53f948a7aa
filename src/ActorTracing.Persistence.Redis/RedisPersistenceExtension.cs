using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Event;
using StackExchange.Redis;

namespace ActorTracing.Persistence.Redis;

/// <summary>
/// One per ActorSystem: injects the plugins' defaults and shares one <see cref="ConnectionMultiplexer"/>
/// per configuration string between the journal and the snapshot store (a multiplexer is built to be
/// shared: it pipelines every caller over one socket per endpoint). The connections are closed when the
/// ActorSystem terminates, after the plugin actors have stopped.
/// </summary>
public sealed class RedisPersistenceExtension : IExtension
{
    private readonly ConcurrentDictionary<string, Lazy<ConnectionMultiplexer>> _connections = new(StringComparer.Ordinal);
    private readonly ILoggingAdapter _log;
    private int _terminated;

    public RedisPersistenceExtension(ExtendedActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        system.Settings.InjectTopLevelFallback(RedisPersistence.DefaultConfig());
        _log = Logging.GetLogger(system, typeof(RedisPersistenceExtension));
        system.RegisterOnTermination(CloseConnections);
    }

    /// <summary>How many distinct connections (configuration strings) were opened.</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>
    /// The shared connection for <paramref name="configurationString"/>, opened on first use. The first
    /// call blocks until the first connect attempt ends (bounded by the string's connectTimeout) so that
    /// callers can issue commands synchronously and keep their order; it never throws for an unreachable
    /// server (<c>abortConnect=false</c>): commands fail until the background reconnect succeeds.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The ActorSystem has terminated.</exception>
    public IConnectionMultiplexer GetConnection(string configurationString)
    {
        ArgumentException.ThrowIfNullOrEmpty(configurationString);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _terminated) != 0, this);

        // Lazy with ExecutionAndPublication: concurrent first callers (journal and snapshot store start
        // together) must not open two sockets for the same string.
        var lazy = _connections.GetOrAdd(
            configurationString,
            s => new Lazy<ConnectionMultiplexer>(() => Open(s), LazyThreadSafetyMode.ExecutionAndPublication));
        return lazy.Value;
    }

    private ConnectionMultiplexer Open(string configurationString)
    {
        var options = ConfigurationOptions.Parse(configurationString);
        options.AbortOnConnectFail = false;
        var connection = ConnectionMultiplexer.Connect(options);
        if (!connection.IsConnected)
        {
            _log.Warning("Redis persistence: not connected to [{0}] yet; retrying in the background", options.ToString(includePassword: false));
        }

        return connection;
    }

    private void CloseConnections()
    {
        Interlocked.Exchange(ref _terminated, 1);
        foreach (var lazy in _connections.Values)
        {
            if (lazy.IsValueCreated)
            {
                try
                {
                    lazy.Value.Dispose();
                }
                catch (Exception e)
                {
                    // Termination must finish even if a socket refuses to close cleanly.
                    _log.Warning(e, "Redis persistence: closing a connection failed");
                }
            }
        }
    }
}
