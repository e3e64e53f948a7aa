using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ActorTracing.Ingest;

/// <summary>
/// Marks a Kestrel endpoint whose connections run inline where their socket reads complete
/// (<see cref="InlineIoListenerFactory"/>; ingest.conf: inline-io).
/// </summary>
internal sealed class InlineIoEndPoint(IPAddress address, int port) : IPEndPoint(address, port);

/// <summary>
/// Kestrel's socket transport, with inline scheduling (UnsafePreferInlineScheduling) only for
/// endpoints marked <see cref="InlineIoEndPoint"/>: the OTLP/HTTP receiver.
/// </summary>
/// <remarks>
/// Kestrel's transport options apply to the whole server, and inline scheduling is a loss for
/// HTTP/2: a gRPC exporter multiplexes its requests over one connection, and inline they were all
/// handled one after another on that connection's I/O thread (at 160k spans/s over OTLP/gRPC, ack
/// p99 12–29 ms without, 93 ms with, 1.4 s with the runtime's inline socket completions too). An OTLP/HTTP request has its own HTTP/1.1 connection and
/// short, non-blocking work (decode, one Tell per trace), so there it wins: it no longer waits in
/// the thread pool behind the trace shards' and storage writers' work. So each listener gets its
/// own transport.
/// </remarks>
internal sealed class InlineIoListenerFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    private readonly SocketTransportFactory _pooled;
    private readonly SocketTransportFactory _inline;

    public InlineIoListenerFactory(IOptions<SocketTransportOptions> options, ILoggerFactory loggerFactory)
    {
        var o = options.Value;
        _pooled = new SocketTransportFactory(options, loggerFactory);
        _inline = new SocketTransportFactory(Options.Create(new SocketTransportOptions
        {
            IOQueueCount = o.IOQueueCount,
            WaitForDataBeforeAllocatingBuffer = o.WaitForDataBeforeAllocatingBuffer,
            NoDelay = o.NoDelay,
            Backlog = o.Backlog,
            MaxReadBufferSize = o.MaxReadBufferSize,
            MaxWriteBufferSize = o.MaxWriteBufferSize,
            CreateBoundListenSocket = o.CreateBoundListenSocket,
            UnsafePreferInlineScheduling = true,
        }), loggerFactory);
    }

    private readonly System.Collections.Concurrent.ConcurrentQueue<EndPoint> _inlineBound = new();

    /// <summary>The addresses bound with inline scheduling, as bound (the real port when 0 was asked).</summary>
    public IReadOnlyCollection<EndPoint> InlineBound => _inlineBound;

    public bool CanBind(EndPoint endpoint) => endpoint is IPEndPoint;

    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        if (endpoint is not InlineIoEndPoint marked)
        {
            return await _pooled.BindAsync(endpoint, cancellationToken).ConfigureAwait(false);
        }
        var listener = await _inline.BindAsync(new IPEndPoint(marked.Address, marked.Port), cancellationToken).ConfigureAwait(false);
        _inlineBound.Enqueue(listener.EndPoint);
        return listener;
    }
}
