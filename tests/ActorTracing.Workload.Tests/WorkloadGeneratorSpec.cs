using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using ActorTracing.Domain;
using ActorTracing.Domain.Otlp;
using ActorTracing.Domain.Wire;
using ActorTracing.Workload;

namespace ActorTracing.Workload.Tests;

public sealed class WorkloadGeneratorSpec
{
    private const long Ms = 1_000_000;

    /// <summary>Acknowledges every request; optionally spends virtual time per request.</summary>
    private sealed class FakeSender(ManualClock clock, Func<int, TimeSpan>? serviceTime = null) : IOtlpSender
    {
        private int _calls;

        public OtlpSenderStats Stats { get; } = new();

        public long Bytes;

        public Task<OtlpSendResult> SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
        {
            var call = Interlocked.Increment(ref _calls) - 1;
            Interlocked.Add(ref Bytes, payload.Length);
            if (serviceTime is not null)
            {
                clock.Advance(serviceTime(call));
            }
            return Task.FromResult(new OtlpSendResult(true, 1, 0, 0, null));
        }

        public void Dispose()
        {
        }
    }

    /// <summary>Acknowledges every request, remembering what it got and on which kind of thread.</summary>
    private sealed class BlockingFakeSender : IBlockingOtlpSender
    {
        public OtlpSenderStats Stats { get; } = new();

        public bool CanSendBlocking => true;

        public ConcurrentQueue<byte[]> Payloads { get; } = new();

        public ConcurrentQueue<bool> OnPoolThread { get; } = new();

        public int AsyncCalls;

        public OtlpSendResult Send(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
        {
            Payloads.Enqueue(payload.ToArray());
            OnPoolThread.Enqueue(Thread.CurrentThread.IsThreadPoolThread);
            return new OtlpSendResult(true, 1, 0, 0, null);
        }

        public Task<OtlpSendResult> SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref AsyncCalls);
            return Task.FromResult(new OtlpSendResult(true, 1, 0, 0, null));
        }

        public void Dispose()
        {
        }
    }

    private static WorkloadBatch Batch(long intendedNanos)
    {
        var model = new EdgeTrafficModel(1);
        var trace = model.NextTrace(ManualClock.Epoch);
        return new WorkloadBatch(trace.Truth.RootRegion, OtlpBatchBuilder.Group(trace.AllSpans()), trace.Truth.SpanCount, intendedNanos);
    }

    [Fact]
    public async Task Ack_latency_is_measured_from_the_intended_send_time_so_a_stall_delays_every_queued_request()
    {
        var clock = new ManualClock();
        // The node stalls 300 ms on the first request, then answers in 1 ms.
        var sender = new FakeSender(clock, call => TimeSpan.FromMilliseconds(call == 0 ? 300 : 1));
        using var generator = new WorkloadGenerator(new WorkloadOptions(), sender, clock);
        var writer = new ProtoWriter();

        await generator.ProcessAsync(Batch(0), writer, 0, CancellationToken.None);
        await generator.ProcessAsync(Batch(10 * Ms), writer, 0, CancellationToken.None);
        await generator.ProcessAsync(Batch(20 * Ms), writer, 0, CancellationToken.None);

        var latency = generator.Counters.AckLatency;
        Assert.Equal(3, latency.Count);
        Assert.Equal(300_000, latency.Max);
        // The second and third waited behind the stall: 301-10 and 302-20 ms, not 1 ms.
        Assert.InRange(latency.Min, 282_000 - 3_000, 282_000);
        Assert.Equal(3, generator.Counters.Requests);
    }

    [Fact]
    public async Task A_run_on_virtual_time_sends_every_generated_span_at_the_target_rate()
    {
        var clock = new ManualClock();
        var sender = new FakeSender(clock);
        var truths = 0;
        var options = new WorkloadOptions { TargetSpansPerSecond = 20_000, Duration = TimeSpan.FromSeconds(2), Concurrency = 2, Seed = 9 };
        using var generator = new WorkloadGenerator(options, sender, clock, _ => truths++);

        var summary = await generator.RunAsync();

        Assert.InRange(summary.SpansGenerated, 40_000, 40_000 + EdgeTrafficModel.MaxSpansPerTrace);
        Assert.Equal(summary.SpansGenerated, summary.SpansSent);
        Assert.Equal(0, summary.SpansUnsent);
        Assert.Equal(0, summary.FailedRequests);
        Assert.Equal(summary.Traces, truths);
        Assert.Equal(summary.Traces, summary.TracesByCategory.Values.Sum());
        Assert.Equal(TimeSpan.FromSeconds(2), summary.Elapsed);
        Assert.InRange(summary.AchievedSpansPerSecond, 19_900, 20_100);
        Assert.True(summary.CrossRegionTraces > 0 && summary.ErrorTraces > 0 && summary.SlowTraces > 0);
        Assert.InRange(summary.Requests, 40_000 / 112, 40_000 / 50);
        Assert.True(sender.Bytes > 40_000 * 100);
    }

    /// <summary>
    /// Checks, after every send, that nothing wrote into the request while it was being sent (the
    /// pool poisons what is given back, so an early return shows), and notes every array used.
    /// </summary>
    private sealed class PoolWatchingSender : IBlockingOtlpSender
    {
        public OtlpSenderStats Stats { get; } = new();

        public bool CanSendBlocking => true;

        public ConcurrentQueue<byte[]> Payloads { get; } = new();

        public ConcurrentDictionary<byte[], bool> Arrays { get; } = new(ReferenceEqualityComparer.Instance);

        public int Overwritten;

        public OtlpSendResult Send(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
        {
            var copy = payload.ToArray();
            Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(payload, out var segment));
            Arrays.TryAdd(segment.Array!, true);
            // A window for the other sender thread to give this array back, were it shared by mistake.
            Thread.Yield();
            if (!payload.Span.SequenceEqual(copy))
            {
                Interlocked.Increment(ref Overwritten);
            }
            Payloads.Enqueue(copy);
            return new OtlpSendResult(true, 1, 0, 0, null);
        }

        public Task<OtlpSendResult> SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) => Task.FromResult(Send(payload, cancellationToken));

        public void Dispose()
        {
        }
    }

    [Fact]
    public async Task Replayed_requests_go_out_intact_from_pooled_arrays_that_all_come_back()
    {
        var sender = new PoolWatchingSender();
        var requests = new SharedBufferPool { PoisonReturned = true };
        var options = new WorkloadOptions { TargetSpansPerSecond = 20_000, Duration = TimeSpan.FromSeconds(1), Concurrency = 2, Seed = 11, RequestBuffers = requests };
        using var generator = new WorkloadGenerator(options, sender, new ManualClock());

        var summary = await generator.RunAsync();

        Assert.Equal(0, sender.Overwritten);
        Assert.Equal(summary.SpansSent, sender.Payloads.Sum(p => OtlpTraceDecoder.Decode(p, "unknown").AcceptedSpans));
        // Every request's array went back once its send returned: the pool keeps up to 16 MiB of
        // each size. Whether the producer rents a given array again is up to the threads' timing
        // (on virtual time it may rent every array before a sender returns one), so reuse itself
        // is checked by TraceReplaySpec, on one thread.
        var expectedFree = sender.Arrays.Keys.GroupBy(a => a.Length).Sum(g => Math.Min(SharedBufferPool.DefaultMaxFreeBytesPerSize / g.Key, g.Count()));
        Assert.Equal(expectedFree, requests.FreeCount);
    }

    [Fact]
    public async Task A_run_replays_templates_by_default_and_encodes_with_the_model_when_told_to()
    {
        var replayed = new BlockingFakeSender();
        var modelled = new BlockingFakeSender();
        var options = new WorkloadOptions { TargetSpansPerSecond = 5_000, Duration = TimeSpan.FromSeconds(1), Concurrency = 1, Seed = 3 };
        using (var generator = new WorkloadGenerator(options, replayed, new ManualClock()))
        {
            await generator.RunAsync();
        }
        using (var generator = new WorkloadGenerator(options with { TraceTemplates = 0 }, modelled, new ManualClock()))
        {
            await generator.RunAsync();
        }

        // The model path's first requests are exactly the model's first traces; a replay of
        // templates drawn at random (with fresh ids) is not, though it decodes the same way.
        var model = new EdgeTrafficModel(3);
        var first = model.NextTrace(ManualClock.Epoch);
        Assert.Contains(modelled.Payloads, p => OtlpTraceDecoder.Decode(p, "unknown").Traces.Any(t => t.TraceId == first.Truth.TraceId));
        Assert.DoesNotContain(replayed.Payloads, p => OtlpTraceDecoder.Decode(p, "unknown").Traces.Any(t => t.TraceId == first.Truth.TraceId));
        Assert.Equal(
            modelled.Payloads.Sum(p => OtlpTraceDecoder.Decode(p, "unknown").AcceptedSpans),
            replayed.Payloads.Sum(p => OtlpTraceDecoder.Decode(p, "unknown").AcceptedSpans),
            tolerance: EdgeTrafficModel.MaxSpansPerTrace);
    }

    [Fact]
    public async Task A_blocking_sender_gets_every_span_from_dedicated_threads_and_never_the_thread_pool()
    {
        var clock = new ManualClock();
        var sender = new BlockingFakeSender();
        var truths = new ConcurrentQueue<TraceGroundTruth>();
        var options = new WorkloadOptions { TargetSpansPerSecond = 20_000, Duration = TimeSpan.FromSeconds(1), Concurrency = 2, Seed = 5 };
        using var generator = new WorkloadGenerator(options, sender, clock, truths.Enqueue);

        var summary = await generator.RunAsync();

        Assert.Equal(summary.SpansGenerated, summary.SpansSent);
        Assert.Equal(0, sender.AsyncCalls);
        Assert.All(sender.OnPoolThread, pool => Assert.False(pool));
        var decoded = sender.Payloads.Select(p => OtlpTraceDecoder.Decode(p, "unknown")).ToList();
        Assert.Equal(summary.SpansSent, decoded.Sum(d => d.AcceptedSpans));
        var spansByTrace = decoded.SelectMany(d => d.Traces).GroupBy(t => t.TraceId).ToDictionary(g => g.Key, g => g.Sum(t => t.Spans.Count));
        Assert.Equal(truths.Count, spansByTrace.Count);
        Assert.All(truths, t => Assert.Equal(t.SpanCount, spansByTrace[t.TraceId]));
    }

    [Fact]
    public async Task Over_a_real_socket_every_trace_arrives_whole_with_its_own_id()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var received = new ConcurrentQueue<OtlpDecodeResult>();
        var serving = Task.Run(async () =>
        {
            while (true)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }
                _ = Task.Run(async () =>
                {
                    using var body = new MemoryStream();
                    await context.Request.InputStream.CopyToAsync(body);
                    received.Enqueue(OtlpTraceDecoder.Decode(body.ToArray(), "unknown"));
                    context.Response.StatusCode = 200;
                    context.Response.ContentLength64 = 0;
                    context.Response.Close();
                });
            }
        });
        var truths = new ConcurrentQueue<TraceGroundTruth>();
        var options = new WorkloadOptions { TargetSpansPerSecond = 5_000, Duration = TimeSpan.FromSeconds(1), Concurrency = 2, MaxBatchDelay = TimeSpan.FromMilliseconds(50) };
        using var generator = WorkloadGenerator.Create(options, OtlpProtocol.HttpProtobuf, new OtlpSenderOptions { Endpoint = new Uri($"http://127.0.0.1:{port}") }, truths.Enqueue);
        Assert.True(((IBlockingOtlpSender)generator.Sender).CanSendBlocking);

        var summary = await generator.RunAsync();
        listener.Stop();
        await serving;

        Assert.Equal(0, summary.FailedRequests);
        Assert.Equal(summary.SpansGenerated, summary.SpansSent);
        Assert.Equal(summary.SpansSent, received.Sum(r => r.AcceptedSpans));
        Assert.All(received, r => Assert.Equal(0, r.RejectedSpans));
        var spans = received.SelectMany(r => r.Traces).GroupBy(t => t.TraceId).ToDictionary(g => g.Key, g => g.SelectMany(t => t.Spans).ToList());
        Assert.Equal(truths.Count, spans.Count);
        foreach (var truth in truths)
        {
            Assert.Equal(truth.SpanCount, spans[truth.TraceId].Count);
            Assert.Equal(truth.Regions.Order(), spans[truth.TraceId].Select(s => s.Origin.Region).Distinct().Order());
            Assert.Equal(truth.RootSpanId, spans[truth.TraceId].Single(s => s.IsRoot).SpanId);
        }
    }

    [Fact]
    public async Task Throttled_requests_are_retried_and_no_span_is_lost()
    {
        var clock = new ManualClock();
        var calls = 0;
        using var handler = new StubHandler((_, _) =>
        {
            var response = StubHandler.Status(Interlocked.Increment(ref calls) % 3 == 0 ? HttpStatusCode.TooManyRequests : HttpStatusCode.OK);
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromMilliseconds(50));
            return response;
        });
        using var sender = new OtlpHttpSender(new OtlpSenderOptions { Endpoint = new Uri("http://node.test:4318") }, handler, clock);
        var options = new WorkloadOptions { TargetSpansPerSecond = 5_000, Duration = TimeSpan.FromSeconds(1), Concurrency = 1 };
        using var generator = new WorkloadGenerator(options, sender, clock);

        var summary = await generator.RunAsync();

        Assert.True(summary.Throttled > 0);
        Assert.Equal(summary.Throttled, summary.Retries);
        Assert.Equal(summary.SpansGenerated, summary.SpansSent);
        Assert.Equal(0, summary.FailedRequests);
        Assert.Equal(handler.Requests.Count, summary.Requests + summary.Throttled);
    }

    [Fact]
    public async Task A_sender_that_throws_is_counted_as_failed_not_lost()
    {
        var clock = new ManualClock();
        using var handler = new StubHandler((_, _) => throw new InvalidOperationException("boom"));
        using var sender = new OtlpHttpSender(new OtlpSenderOptions { Endpoint = new Uri("http://node.test:4318") }, handler, clock);
        var options = new WorkloadOptions { TargetSpansPerSecond = 1_000, Duration = TimeSpan.FromSeconds(1), Concurrency = 1 };
        using var generator = new WorkloadGenerator(options, sender, clock);

        var summary = await generator.RunAsync();

        Assert.Equal(summary.SpansGenerated, summary.SpansFailed);
        Assert.Equal(0, summary.SpansUnsent);
        Assert.Contains("boom", generator.Counters.LastError, StringComparison.Ordinal);
    }

    /// <summary>Fails every send with a cancellation the run did not ask for, like a transport's own timeout.</summary>
    private sealed class TimingOutSender : IBlockingOtlpSender
    {
        public OtlpSenderStats Stats { get; } = new();

        public bool CanSendBlocking { get; init; }

        public OtlpSendResult Send(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) => throw new TaskCanceledException("transport timeout");

        public Task<OtlpSendResult> SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) => Task.FromException<OtlpSendResult>(new TaskCanceledException("transport timeout"));

        public void Dispose()
        {
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_cancellation_the_run_did_not_ask_for_is_a_failed_send_and_the_run_ends(bool blocking)
    {
        // It used to escape and end the worker; with every worker ended the producer waited
        // forever on a full queue (a gRPC run against an HTTP/1.1-only port hung).
        var clock = new ManualClock();
        using var sender = new TimingOutSender { CanSendBlocking = blocking };
        var options = new WorkloadOptions { TargetSpansPerSecond = 10_000, Duration = TimeSpan.FromSeconds(1), Concurrency = 2, MaxQueuedRequests = 2 };
        using var generator = new WorkloadGenerator(options, sender, clock);

        var summary = await generator.RunAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(summary.SpansGenerated > 0);
        Assert.Equal(summary.SpansGenerated, summary.SpansFailed);
        Assert.Equal(0, summary.SpansUnsent);
        Assert.Contains("transport timeout", generator.Counters.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public void Out_of_range_options_are_refused_naming_the_option()
    {
        var clock = new ManualClock();
        var ex = Assert.Throws<ArgumentException>(() => new WorkloadGenerator(new WorkloadOptions { Concurrency = 0 }, new FakeSender(clock), clock));
        Assert.Contains("Concurrency", ex.Message, StringComparison.Ordinal);
    }
}
