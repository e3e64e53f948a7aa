using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using ActorTracing.Domain.Otlp;
using ActorTracing.Workload;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorTracing.Workload.Tests;

/// <summary>
/// The gRPC sender's blocking transport (its own HTTP/2 over a socket) against Kestrel serving h2c
/// with prior knowledge. The Export path is a plain endpoint that writes gRPC framing and trailers
/// itself, so each case chooses the status, message, details and framing the node answers with.
/// </summary>
public sealed class OtlpGrpcSenderBlockingSpec
{
    private static readonly byte[] Payload = [0x0a, 0x03, 0x01, 0x02, 0x03];

    private static OtlpGrpcSender Sender(GrpcServer server, IWorkloadClock clock, bool gzip = false, TimeSpan? giveUpAfter = null, TimeSpan? attemptTimeout = null) => new(
        new OtlpSenderOptions
        {
            Endpoint = server.Endpoint,
            Gzip = gzip,
            GiveUpAfter = giveUpAfter ?? TimeSpan.FromMinutes(5),
            AttemptTimeout = attemptTimeout ?? TimeSpan.FromSeconds(30),
            Headers = new Dictionary<string, string> { ["X-Api-Key"] = "secret" },
        },
        clock: clock);

    /// <summary>The gRPC length-prefixed message of a request or response.</summary>
    private static byte[] Framed(byte[] message, bool compressed = false)
    {
        var framed = new byte[5 + message.Length];
        framed[0] = compressed ? (byte)1 : (byte)0;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(framed.AsSpan(1), message.Length);
        message.CopyTo(framed, 5);
        return framed;
    }

    private static async Task Ok(HttpContext context, byte[] message)
    {
        context.Response.ContentType = "application/grpc";
        await context.Response.Body.WriteAsync(Framed(message));
        context.Response.AppendTrailer("grpc-status", "0");
    }

    /// <summary>Headers first, then the status in trailers.</summary>
    private static async Task Refuse(HttpContext context, StatusCode status, string? message = null, string? details = null)
    {
        context.Response.ContentType = "application/grpc";
        await context.Response.StartAsync();
        context.Response.AppendTrailer("grpc-status", ((int)status).ToString(CultureInfo.InvariantCulture));
        if (message is not null)
        {
            context.Response.AppendTrailer("grpc-message", message);
        }
        if (details is not null)
        {
            context.Response.AppendTrailer("grpc-status-details-bin", details);
        }
    }

    /// <summary>The status in the only HEADERS frame, which ends the stream (what gRPC servers send for errors).</summary>
    private static Task RefuseTrailersOnly(HttpContext context, StatusCode status, string message)
    {
        context.Response.ContentType = "application/grpc";
        context.Response.Headers["grpc-status"] = ((int)status).ToString(CultureInfo.InvariantCulture);
        context.Response.Headers["grpc-message"] = message;
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Calls_go_to_the_trace_service_over_one_kept_alive_connection_and_partial_success_is_counted()
    {
        await using var server = await GrpcServer.StartAsync((_, context, _) => Ok(context, OtlpEncoder.EncodeResponse(2, "bad ids")));
        using var sender = Sender(server, new ManualClock());

        var results = await Task.Run(() => Enumerable.Range(0, 50).Select(_ => sender.Send(Payload, CancellationToken.None)).ToList());

        Assert.True(sender.CanSendBlocking);
        Assert.All(results, r => Assert.Equal(new OtlpSendResult(true, 1, 0, 2, null), r));
        Assert.Equal(100, sender.Stats.RejectedSpans);
        Assert.Equal(50, sender.Stats.Requests);
        Assert.Equal(50, server.Calls.Count);
        Assert.All(server.Calls, call =>
        {
            Assert.Equal(Framed(Payload), call.Body);
            Assert.Equal("application/grpc", call.Headers["content-type"]);
            Assert.Equal("trailers", call.Headers["te"]);
            Assert.Equal("30000m", call.Headers["grpc-timeout"]);
        });
        Assert.Single(server.Calls.Select(c => c.ConnectionId).Distinct());
    }

    [Fact]
    public async Task Configured_headers_arrive_as_metadata()
    {
        await using var server = await GrpcServer.StartAsync((_, context, _) => Ok(context, []));
        using var sender = Sender(server, new ManualClock());

        var result = await Task.Run(() => sender.Send(Payload, CancellationToken.None));

        Assert.True(result.Success, result.Error);
        var call = Assert.Single(server.Calls);
        Assert.Equal("secret", call.Headers["x-api-key"]);
    }

    [Fact]
    public async Task Requests_larger_than_the_flow_control_windows_and_the_frame_size_arrive_intact()
    {
        // Kestrel here grants 65,535-byte windows (the HTTP/2 minimum) and takes 16 KiB frames, so
        // each of these requests goes out in many frames and waits for WINDOW_UPDATEs on the way.
        await using var server = await GrpcServer.StartAsync((_, context, _) => Ok(context, []));
        using var sender = Sender(server, new ManualClock(), giveUpAfter: TimeSpan.Zero, attemptTimeout: TimeSpan.FromSeconds(20));
        var random = new Random(9113);
        var payloads = Enumerable.Range(0, 3).Select(i =>
        {
            var payload = new byte[300_000 + i];
            random.NextBytes(payload);
            return payload;
        }).ToList();

        var results = await Task.Run(() => payloads.Select(p => sender.Send(p, CancellationToken.None)).ToList());

        Assert.All(results, r => Assert.True(r.Success, r.Error));
        Assert.Equal(payloads.Select(p => Framed(p)), server.Calls.Select(c => c.Body));
        Assert.Single(server.Calls.Select(c => c.ConnectionId).Distinct());
    }

    [Fact]
    public async Task Responses_longer_than_the_receive_window_are_read_whole()
    {
        // 3 MB each: more than the 1 MiB the sender grants a stream, and twice more than it grants
        // the connection, so the node stalls unless the sender sends WINDOW_UPDATEs as it reads.
        var response = OtlpEncoder.EncodeResponse(7, new string('x', 3_000_000));
        await using var server = await GrpcServer.StartAsync((_, context, _) => Ok(context, response));
        // A stalled response then fails its one attempt instead of being retried for minutes.
        using var sender = Sender(server, new ManualClock(), giveUpAfter: TimeSpan.Zero, attemptTimeout: TimeSpan.FromSeconds(20));

        var results = await Task.Run(() => Enumerable.Range(0, 2).Select(_ => sender.Send(Payload, CancellationToken.None)).ToList());

        Assert.All(results, r => Assert.Equal(7, r.RejectedSpans));
    }

    [Fact]
    public async Task Resource_exhausted_with_RetryInfo_is_a_throttle_retried_after_the_delay_the_node_asked_for()
    {
        // Sent without base64 padding, which gRPC makes optional.
        var details = GrpcStatusDetails.RetryInfo((int)StatusCode.ResourceExhausted, TimeSpan.FromMilliseconds(2500), "overloaded");
        Assert.EndsWith("=", details, StringComparison.Ordinal);
        await using var server = await GrpcServer.StartAsync((i, context, _) => i == 0
            ? Refuse(context, StatusCode.ResourceExhausted, "overloaded", details.TrimEnd('='))
            : Ok(context, []));
        var clock = new ManualClock();
        using var sender = Sender(server, clock);

        var result = await Task.Run(() => sender.Send(Payload, CancellationToken.None));

        Assert.Equal(new OtlpSendResult(true, 2, 1, 0, null), result);
        Assert.Equal([TimeSpan.FromMilliseconds(2500)], clock.Delays);
        Assert.Equal((1, 1, 0), (sender.Stats.Throttled, sender.Stats.Retries, sender.Stats.Failed));
        Assert.All(server.Calls, c => Assert.Equal(Framed(Payload), c.Body));
    }

    [Fact]
    public async Task Unavailable_and_HTTP_429_are_throttles_and_aborted_is_retried_uncounted()
    {
        await using var server = await GrpcServer.StartAsync((i, context, _) =>
        {
            switch (i)
            {
                case 0:
                    return RefuseTrailersOnly(context, StatusCode.Unavailable, "restarting");
                case 1:
                    // Not gRPC at all: a proxy in the way. The gRPC spec maps 429 to UNAVAILABLE.
                    context.Response.StatusCode = 429;
                    return Task.CompletedTask;
                case 2:
                    return Refuse(context, StatusCode.Aborted);
                default:
                    return Ok(context, []);
            }
        });
        var clock = new ManualClock();
        using var sender = Sender(server, clock);

        var result = await Task.Run(() => sender.Send(Payload, CancellationToken.None));

        Assert.Equal(new OtlpSendResult(true, 4, 2, 0, null), result);
        Assert.Equal(3, clock.Delays.Count);
    }

    [Fact]
    public async Task A_permanent_failure_is_reported_without_retrying()
    {
        await using var server = await GrpcServer.StartAsync((_, context, _) => Refuse(context, StatusCode.InvalidArgument, "bad%20span%20id"));
        var clock = new ManualClock();
        using var sender = Sender(server, clock);

        var result = await Task.Run(() => sender.Send(Payload, CancellationToken.None));

        Assert.Equal(new OtlpSendResult(false, 1, 0, 0, "gRPC InvalidArgument: bad span id"), result);
        Assert.Empty(clock.Delays);
        Assert.Single(server.Calls);
        Assert.Equal(1, sender.Stats.Failed);
    }

    [Fact]
    public async Task A_trailers_only_refusal_is_read_from_the_response_headers_with_its_message_percent_decoded()
    {
        await using var server = await GrpcServer.StartAsync((_, context, _) => RefuseTrailersOnly(context, StatusCode.PermissionDenied, "no%20entry%3A%20caf%C3%A9 100%"));
        using var sender = Sender(server, new ManualClock());

        var result = await Task.Run(() => sender.Send(Payload, CancellationToken.None));

        Assert.False(result.Success);
        Assert.Equal("gRPC PermissionDenied: no entry: café 100%", result.Error);
    }

    [Fact]
    public async Task Gzip_compresses_the_message_and_says_so()
    {
        await using var server = await GrpcServer.StartAsync((_, context, _) => Ok(context, []));
        using var sender = Sender(server, new ManualClock(), gzip: true);

        var result = await Task.Run(() => sender.Send(Payload, CancellationToken.None));

        Assert.True(result.Success, result.Error);
        var call = Assert.Single(server.Calls);
        Assert.Equal("gzip", call.Headers["grpc-encoding"]);
        Assert.Equal(1, call.Body[0]);
        Assert.Equal(call.Body.Length - 5, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(call.Body.AsSpan(1)));
        using var gzip = new GZipStream(new MemoryStream(call.Body, 5, call.Body.Length - 5), CompressionMode.Decompress);
        using var plain = new MemoryStream();
        gzip.CopyTo(plain);
        Assert.Equal(Payload, plain.ToArray());
    }

    [Fact]
    public async Task A_connection_the_node_closed_while_idle_is_replaced_without_an_extra_attempt()
    {
        await using var server = await GrpcServer.StartAsync((_, context, _) => Ok(context, []));
        using var sender = Sender(server, new ManualClock());

        var first = await Task.Run(() => sender.Send(Payload, CancellationToken.None));
        // What Kestrel does when its keep-alive timeout passes: GOAWAY, then close.
        server.CloseGracefully(server.Calls.Single().ConnectionId);
        Assert.True(await server.ConnectionsClosed.WaitAsync(TimeSpan.FromSeconds(30)));
        var second = await Task.Run(() => sender.Send(Payload, CancellationToken.None));

        Assert.True(first.Success, first.Error);
        Assert.Equal(new OtlpSendResult(true, 1, 0, 0, null), second);
        Assert.Equal(2, sender.Stats.Attempts);
        Assert.Equal(2, server.Calls.Select(c => c.ConnectionId).Distinct().Count());
    }

    [Fact]
    public async Task Cancelling_interrupts_a_send_the_node_never_answers()
    {
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await GrpcServer.StartAsync(async (_, context, _) =>
        {
            arrived.TrySetResult();
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                // The sender closed the connection.
            }
        });
        // Without a working cancellation the attempt would time out and, with no retry budget,
        // come back as a failure instead of throwing.
        using var sender = Sender(server, new ManualClock(), giveUpAfter: TimeSpan.Zero, attemptTimeout: TimeSpan.FromSeconds(60));
        using var cancel = new CancellationTokenSource();

        var sending = Task.Run(() => sender.Send(Payload, cancel.Token));
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);
    }

    [Fact]
    public async Task Several_threads_send_concurrently_each_with_a_connection_of_its_own()
    {
        await using var server = await GrpcServer.StartAsync((_, context, _) => Ok(context, OtlpEncoder.EncodeResponse(1, null)));
        using var sender = Sender(server, new ManualClock());
        const int Threads = 4;
        const int PerThread = 25;

        var senders = Enumerable.Range(0, Threads).Select(t => Task.Factory.StartNew(
            () => Enumerable.Range(0, PerThread).Select(i => sender.Send(new byte[] { 0x0a, 0x02, (byte)t, (byte)i }, CancellationToken.None)).ToList(),
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToList();
        var results = (await Task.WhenAll(senders)).SelectMany(r => r).ToList();

        Assert.All(results, r => Assert.Equal(new OtlpSendResult(true, 1, 0, 1, null), r));
        var expected = from t in Enumerable.Range(0, Threads) from i in Enumerable.Range(0, PerThread) select Convert.ToHexString(Framed([0x0a, 0x02, (byte)t, (byte)i]));
        Assert.Equal(expected.Order(), server.Calls.Select(c => Convert.ToHexString(c.Body)).Order());
        Assert.InRange(server.Calls.Select(c => c.ConnectionId).Distinct().Count(), 1, Threads);
        Assert.Equal(Threads * PerThread, sender.Stats.RejectedSpans);
    }

    [Fact]
    public async Task A_connection_whose_stream_ids_ran_out_is_not_used_again()
    {
        await using var server = await GrpcServer.StartAsync((_, context, _) => Ok(context, []));
        using var connection = H2cConnection.Open("127.0.0.1", server.Endpoint.Port, TimeSpan.FromSeconds(30));
        connection.NextStreamId = int.MaxValue;
        var headers = H2cConnection.RequestHeaderBlock(server.Endpoint.Authority, OtlpGrpcSender.ExportPath, []);

        var response = await Task.Run(() => connection.Exchange(headers, Payload, compressed: false));

        Assert.Equal(StatusCode.OK, response.Status);
        Assert.False(connection.CanReuse);
        Assert.Throws<InvalidOperationException>(() => connection.Exchange(headers, Payload, compressed: false));
    }

    [Fact]
    public void Only_cleartext_endpoints_at_the_root_without_a_test_transport_and_with_plain_metadata_send_blocking()
    {
        using var handler = new StubHandler((_, _) =>
        {
            var response = new HttpResponseMessage(HttpStatusCode.OK) { Version = HttpVersion.Version20, Content = new ByteArrayContent(Framed([])) };
            response.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");
            response.TrailingHeaders.Add("grpc-status", "0");
            return response;
        });
        using var stubbed = new OtlpGrpcSender(new OtlpSenderOptions { Endpoint = new Uri("http://node.test:4317") }, handler);
        using var tls = new OtlpGrpcSender(new OtlpSenderOptions { Endpoint = new Uri("https://node.test:4317") });
        using var withPath = new OtlpGrpcSender(new OtlpSenderOptions { Endpoint = new Uri("http://node.test:4317/otlp") });
        using var nonAscii = new OtlpGrpcSender(new OtlpSenderOptions { Endpoint = new Uri("http://node.test:4317"), Headers = new Dictionary<string, string> { ["x-team"] = "équipe" } });
        using var plain = new OtlpGrpcSender(new OtlpSenderOptions { Endpoint = new Uri("http://node.test:4317"), Headers = new Dictionary<string, string> { ["x-team"] = "edge" } });

        Assert.False(stubbed.CanSendBlocking);
        Assert.False(tls.CanSendBlocking);
        Assert.False(withPath.CanSendBlocking);
        Assert.False(nonAscii.CanSendBlocking);
        Assert.True(plain.CanSendBlocking);
        // A sender that cannot send blocking still honours Send, through its async transport.
        Assert.True(stubbed.Send(Payload, CancellationToken.None).Success);
        Assert.Single(handler.Requests);
    }

    /// <summary>A call as the server saw it.</summary>
    private sealed record Call(int Index, string ConnectionId, IReadOnlyDictionary<string, string> Headers, byte[] Body);

    /// <summary>Kestrel on 127.0.0.1, HTTP/2 only (so h2c with prior knowledge), answering Export with a script.</summary>
    private sealed class GrpcServer : IAsyncDisposable
    {
        private readonly ConcurrentDictionary<string, ConnectionContext> _connections = new();
        private readonly ConcurrentQueue<Call> _calls = new();
        private WebApplication? _app;
        private int _count;

        private GrpcServer()
        {
        }

        public Uri Endpoint { get; private set; } = null!;

        /// <summary>Released once per connection that ended.</summary>
        public SemaphoreSlim ConnectionsClosed { get; } = new(0);

        public IReadOnlyList<Call> Calls => [.. _calls.OrderBy(c => c.Index)];

        /// <param name="respond">Answers call <c>i</c> (from 0) after its body was read whole.</param>
        public static async Task<GrpcServer> StartAsync(Func<int, HttpContext, byte[], Task> respond)
        {
            var server = new GrpcServer();
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                // The smallest windows HTTP/2 allows: a request over 64 KiB must wait for WINDOW_UPDATEs.
                kestrel.Limits.Http2.InitialConnectionWindowSize = 65_535;
                kestrel.Limits.Http2.InitialStreamWindowSize = 65_535;
                kestrel.Listen(IPAddress.Loopback, 0, listen =>
                {
                    listen.Protocols = HttpProtocols.Http2;
                    listen.Use(next => async connection =>
                    {
                        server._connections[connection.ConnectionId] = connection;
                        try
                        {
                            await next(connection);
                        }
                        finally
                        {
                            server._connections.TryRemove(connection.ConnectionId, out _);
                            server.ConnectionsClosed.Release();
                        }
                    });
                });
            });
            var app = builder.Build();
            app.MapPost(OtlpGrpcSender.ExportPath, async context =>
            {
                using var body = new MemoryStream();
                await context.Request.Body.CopyToAsync(body);
                var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
                var call = new Call(Interlocked.Increment(ref server._count) - 1, context.Connection.Id, headers, body.ToArray());
                server._calls.Enqueue(call);
                await respond(call.Index, context, call.Body);
            });
            await app.StartAsync();
            server._app = app;
            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
            server.Endpoint = new Uri(address.EndsWith('/') ? address : address + "/");
            return server;
        }

        /// <summary>Asks Kestrel to close a connection the way it does when the keep-alive timeout passes.</summary>
        public void CloseGracefully(string connectionId) =>
            _connections[connectionId].Features.GetRequiredFeature<IConnectionLifetimeNotificationFeature>().RequestClose();

        public async ValueTask DisposeAsync()
        {
            if (_app is not null)
            {
                await _app.StopAsync();
                await _app.DisposeAsync();
            }
            ConnectionsClosed.Dispose();
        }
    }
}
