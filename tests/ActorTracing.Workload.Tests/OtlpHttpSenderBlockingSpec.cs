using System.Net;
using System.Net.Sockets;
using System.Text;
using ActorTracing.Domain.Otlp;
using ActorTracing.Workload;

namespace ActorTracing.Workload.Tests;

/// <summary>
/// The HTTP sender's blocking transport (its own HTTP/1.1 over a socket) against real servers:
/// HttpListener for the protocol, a raw socket server for what HttpListener cannot do on cue
/// (close an idle connection, never answer).
/// </summary>
public sealed class OtlpHttpSenderBlockingSpec
{
    private static readonly byte[] Payload = [0x0a, 0x03, 0x01, 0x02, 0x03];

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static OtlpHttpSender Sender(int port, IWorkloadClock clock, bool gzip = false, TimeSpan? giveUpAfter = null) => new(
        new OtlpSenderOptions
        {
            Endpoint = new Uri($"http://127.0.0.1:{port}"),
            Gzip = gzip,
            GiveUpAfter = giveUpAfter ?? TimeSpan.FromMinutes(5),
            AttemptTimeout = TimeSpan.FromSeconds(10),
            Headers = new Dictionary<string, string> { ["x-api-key"] = "secret" },
        },
        clock: clock);

    /// <summary>Serves <paramref name="count"/> requests with <paramref name="respond"/>, keeping what each carried.</summary>
    private static async Task<List<(HttpListenerRequest Request, byte[] Body)>> ServeAsync(HttpListener listener, int count, Action<int, HttpListenerResponse> respond)
    {
        var seen = new List<(HttpListenerRequest, byte[])>();
        for (var i = 0; i < count; i++)
        {
            var context = await listener.GetContextAsync();
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            seen.Add((context.Request, body.ToArray()));
            respond(i, context.Response);
            context.Response.Close();
        }
        return seen;
    }

    private static HttpListener Listen(int port)
    {
        var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        return listener;
    }

    private static void Ok(HttpListenerResponse response, byte[] body, bool chunked = false)
    {
        response.StatusCode = 200;
        response.ContentType = "application/x-protobuf";
        if (chunked)
        {
            response.SendChunked = true;
        }
        else
        {
            response.ContentLength64 = body.Length;
        }
        response.OutputStream.Write(body);
    }

    [Fact]
    public async Task Blocking_sends_are_protobuf_posts_to_v1_traces_over_one_kept_alive_connection()
    {
        var port = FreePort();
        using var listener = Listen(port);
        using var sender = Sender(port, new ManualClock());
        var serving = ServeAsync(listener, 3, (_, response) => Ok(response, []));

        var results = await Task.Run(() => Enumerable.Range(0, 3).Select(_ => sender.Send(Payload, CancellationToken.None)).ToList());
        var seen = await serving;

        Assert.True(sender.CanSendBlocking);
        Assert.All(results, r => Assert.True(r.Success));
        Assert.All(seen, s =>
        {
            Assert.Equal("POST", s.Request.HttpMethod);
            Assert.Equal("/v1/traces", s.Request.Url!.AbsolutePath);
            Assert.Equal("application/x-protobuf", s.Request.ContentType);
            Assert.Equal("secret", s.Request.Headers["x-api-key"]);
            Assert.Equal(Payload, s.Body);
        });
        Assert.Single(seen.Select(s => s.Request.RemoteEndPoint.Port).Distinct());
        Assert.Equal(3, sender.Stats.Requests);
    }

    [Fact]
    public async Task A_429_with_Retry_After_is_retried_after_that_delay_and_chunked_partial_success_is_counted()
    {
        var port = FreePort();
        using var listener = Listen(port);
        var clock = new ManualClock();
        using var sender = Sender(port, clock);
        var serving = ServeAsync(listener, 2, (i, response) =>
        {
            if (i == 0)
            {
                response.StatusCode = 429;
                response.Headers["Retry-After"] = "3";
                response.ContentLength64 = 0;
                return;
            }
            Ok(response, OtlpEncoder.EncodeResponse(5, "invalid span id"), chunked: true);
        });

        var result = await Task.Run(() => sender.Send(Payload, CancellationToken.None));
        var seen = await serving;

        Assert.True(result.Success);
        Assert.Equal(2, result.Attempts);
        Assert.Equal(1, result.Throttles);
        Assert.Equal(5, result.RejectedSpans);
        Assert.Equal([TimeSpan.FromSeconds(3)], clock.Delays);
        Assert.All(seen, s => Assert.Equal(Payload, s.Body));
    }

    [Fact]
    public async Task A_request_the_node_refuses_for_good_is_reported_failed_without_retrying()
    {
        var port = FreePort();
        using var listener = Listen(port);
        var clock = new ManualClock();
        using var sender = Sender(port, clock);
        var serving = ServeAsync(listener, 1, (_, response) =>
        {
            response.StatusCode = 400;
            response.ContentLength64 = 0;
        });

        var result = await Task.Run(() => sender.Send(Payload, CancellationToken.None));
        await serving;

        Assert.False(result.Success);
        Assert.Contains("400", result.Error, StringComparison.Ordinal);
        Assert.Empty(clock.Delays);
        Assert.Equal(1, sender.Stats.Failed);
    }

    [Fact]
    public async Task Gzip_compresses_the_body_and_says_so()
    {
        var port = FreePort();
        using var listener = Listen(port);
        using var sender = Sender(port, new ManualClock(), gzip: true);
        var serving = ServeAsync(listener, 1, (_, response) => Ok(response, []));

        await Task.Run(() => sender.Send(Payload, CancellationToken.None));
        var (request, body) = Assert.Single(await serving);

        Assert.Equal("gzip", request.Headers["Content-Encoding"]);
        using var gzip = new System.IO.Compression.GZipStream(new MemoryStream(body), System.IO.Compression.CompressionMode.Decompress);
        using var plain = new MemoryStream();
        gzip.CopyTo(plain);
        Assert.Equal(Payload, plain.ToArray());
    }

    [Fact]
    public void A_connection_the_node_closed_while_idle_is_replaced_without_an_extra_attempt()
    {
        // Each connection serves exactly one request and then closes without saying so, as a node
        // does when its keep-alive timeout passes while the sender is idle.
        using var closed = new SemaphoreSlim(0);
        using var server = new RawServer(acceptedSocket =>
        {
            RawServer.ReadRequest(acceptedSocket);
            acceptedSocket.Send("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"u8);
            acceptedSocket.Close();
            closed.Release();
        });
        using var sender = Sender(server.Port, new ManualClock());

        var first = sender.Send(Payload, CancellationToken.None);
        Assert.True(closed.Wait(TimeSpan.FromSeconds(10)));
        var second = sender.Send(Payload, CancellationToken.None);

        Assert.True(first.Success);
        Assert.True(second.Success, second.Error);
        Assert.Equal(1, second.Attempts);
        Assert.Equal(2, server.Accepted);
    }

    [Fact]
    public void A_refused_connection_is_retried_with_backoff_until_the_retry_budget_is_spent()
    {
        var clock = new ManualClock();
        using var sender = Sender(FreePort(), clock, giveUpAfter: TimeSpan.FromSeconds(1));

        var result = sender.Send(Payload, CancellationToken.None);

        Assert.False(result.Success);
        Assert.True(result.Attempts > 2);
        Assert.Contains("gave up", result.Error, StringComparison.Ordinal);
        Assert.NotEmpty(clock.Delays);
        Assert.Equal(1, sender.Stats.Failed);
    }

    [Fact]
    public void Cancelling_interrupts_a_send_the_node_never_answers()
    {
        using var testOver = new ManualResetEventSlim();
        using var server = new RawServer(acceptedSocket =>
        {
            RawServer.ReadRequest(acceptedSocket);
            testOver.Wait(TimeSpan.FromMinutes(1));
        });
        using var sender = Sender(server.Port, new ManualClock());
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var started = System.Diagnostics.Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => sender.Send(Payload, cancel.Token));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"took {started.Elapsed}");
        testOver.Set();
    }

    [Fact]
    public void Only_cleartext_endpoints_without_a_test_transport_send_blocking()
    {
        using var handler = new StubHandler((_, _) => StubHandler.Status(HttpStatusCode.OK));
        using var stubbed = new OtlpHttpSender(new OtlpSenderOptions { Endpoint = new Uri("http://node.test:4318") }, handler);
        using var tls = new OtlpHttpSender(new OtlpSenderOptions { Endpoint = new Uri("https://node.test:4318") });
        using var plain = new OtlpHttpSender(new OtlpSenderOptions { Endpoint = new Uri("http://node.test:4318") });

        Assert.False(stubbed.CanSendBlocking);
        Assert.False(tls.CanSendBlocking);
        Assert.True(plain.CanSendBlocking);
        // A sender that cannot send blocking still honours Send, through its async transport.
        Assert.True(stubbed.Send(Payload, CancellationToken.None).Success);
        Assert.Single(handler.Requests);
    }

    /// <summary>A socket server that hands each accepted connection to a script on its own thread.</summary>
    private sealed class RawServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly Thread _accepting;
        private readonly List<Socket> _sockets = [];
        private int _accepted;

        public RawServer(Action<Socket> serve)
        {
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _accepting = new Thread(() =>
            {
                try
                {
                    while (true)
                    {
                        var socket = _listener.AcceptSocket();
                        Interlocked.Increment(ref _accepted);
                        lock (_sockets)
                        {
                            _sockets.Add(socket);
                        }
                        new Thread(() =>
                        {
                            try
                            {
                                serve(socket);
                            }
                            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
                            {
                                // The test is over and closed the socket.
                            }
                            finally
                            {
                                socket.Dispose();
                            }
                        }) { IsBackground = true }.Start();
                    }
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException or InvalidOperationException)
                {
                    // Stopped.
                }
            }) { IsBackground = true };
            _accepting.Start();
        }

        public int Port { get; }

        public int Accepted => Volatile.Read(ref _accepted);

        /// <summary>Reads one request's head and its Content-Length body.</summary>
        public static void ReadRequest(Socket socket)
        {
            var received = new List<byte>();
            var buffer = new byte[4096];
            int headEnd;
            while ((headEnd = IndexOfBlankLine(received)) < 0)
            {
                var read = socket.Receive(buffer);
                if (read == 0)
                {
                    return;
                }
                received.AddRange(buffer.AsSpan(0, read));
            }
            var head = Encoding.ASCII.GetString([.. received], 0, headEnd);
            var length = int.Parse(head.Split("\r\n").Single(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))[15..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            var remaining = length - (received.Count - headEnd - 4);
            while (remaining > 0)
            {
                remaining -= socket.Receive(buffer, 0, Math.Min(buffer.Length, remaining), SocketFlags.None);
            }
        }

        public void Dispose()
        {
            _listener.Stop();
            lock (_sockets)
            {
                _sockets.ForEach(s => s.Dispose());
            }
        }

        private static int IndexOfBlankLine(List<byte> bytes)
        {
            for (var i = 0; i + 3 < bytes.Count; i++)
            {
                if (bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n')
                {
                    return i;
                }
            }
            return -1;
        }
    }
}
