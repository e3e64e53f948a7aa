using ActorTracing.Bench;
using ActorTracing.Domain;
using ActorTracing.Domain.Otlp;
using ActorTracing.Workload;

namespace ActorTracing.Bench.Tests;

/// <summary>
/// The routing decision alone, with senders that record what they were given; the real senders
/// against real nodes are in <see cref="TwoRegionClusterSpec"/>.
/// </summary>
public sealed class RoutingOtlpSenderSpec
{
    private static readonly ScopeDetail Scope = new("spec", "1", []);

    private static ReadOnlyMemory<byte> Request(string? region)
    {
        IReadOnlyList<KeyValuePair<string, AttributeValue>> attributes = region is null
            ? [new(OtlpTraceDecoder.ServiceNameKey, AttributeValue.FromString("svc"))]
            : [new(OtlpTraceDecoder.ServiceNameKey, AttributeValue.FromString("svc")), new(OtlpTraceDecoder.CloudRegionKey, AttributeValue.FromString(region))];
        var span = new SpanDetail { TraceId = new TraceId(1, 2), SpanId = new SpanId(3), Name = "s", StartUnixNano = 1, EndUnixNano = 2 };
        return OtlpEncoder.EncodeRequest([new ResourceSpansDetail(attributes, [new ScopeSpansDetail(Scope, [span])])]);
    }

    [Theory]
    [InlineData("sfo")]
    [InlineData(null)]
    public void The_region_is_read_from_the_first_resource(string? region) =>
        Assert.Equal(region, OtlpRegionPeek.FirstResourceRegion(Request(region).Span));

    [Fact]
    public async Task Requests_go_to_the_routes_of_their_region_in_turn_and_others_to_the_fallback()
    {
        var senders = new Dictionary<Uri, RecordingSender>();
        IOtlpSender Create(Uri u) => senders[u] = new RecordingSender();
        var (a, b, c) = (new Uri("http://a/"), new Uri("http://b/"), new Uri("http://c/"));
        using var routing = new RoutingOtlpSender(Create, a, [new LoadRoute("iad", a), new LoadRoute("iad", b), new LoadRoute("sfo", c)]);

        foreach (var region in new[] { "iad", "sfo", "iad", "iad", "gru", "sfo" })
        {
            await routing.SendAsync(Request(region), CancellationToken.None);
        }

        // iad alternates a, b, a; gru has no route and takes the fallback (a).
        Assert.Equal(3, senders[a].Sent);
        Assert.Equal(1, senders[b].Sent);
        Assert.Equal(2, senders[c].Sent);
        Assert.Equal(3, routing.Endpoints.Count);
    }

    [Fact]
    public void With_blocking_senders_behind_it_it_sends_blocking_by_the_same_routes()
    {
        var senders = new Dictionary<Uri, RecordingSender>();
        IOtlpSender Create(Uri u) => senders[u] = new RecordingSender(blocking: true);
        var (a, c) = (new Uri("http://a/"), new Uri("http://c/"));
        using var routing = new RoutingOtlpSender(Create, a, [new LoadRoute("iad", a), new LoadRoute("sfo", c)]);

        Assert.True(routing.CanSendBlocking);
        foreach (var region in new[] { "iad", "sfo", "sfo", "gru" })
        {
            Assert.True(routing.Send(Request(region), CancellationToken.None).Success);
        }

        Assert.Equal((2, 2), (senders[a].SentBlocking, senders[c].SentBlocking));
        Assert.Equal(0, senders[a].Sent + senders[c].Sent);
    }

    [Fact]
    public void One_sender_that_cannot_block_makes_the_router_asynchronous_only()
    {
        var first = true;
        IOtlpSender Create(Uri u)
        {
            var sender = new RecordingSender(blocking: first);
            first = false;
            return sender;
        }
        using var routing = new RoutingOtlpSender(Create, new Uri("http://a/"), [new LoadRoute("sfo", new Uri("http://c/"))]);

        Assert.False(routing.CanSendBlocking);
    }

    [Fact]
    public void Routes_round_trip_through_the_loadgen_switch()
    {
        IReadOnlyList<LoadRoute> routes = [new("iad", new Uri("http://127.0.0.1:4318/")), new("fra", new Uri("http://127.0.0.1:4328/"))];
        var args = new LoadGenRequest { Endpoint = routes[0].Endpoint, Routes = routes }.ToArguments();

        var value = args[args.ToList().IndexOf("--routes") + 1];

        Assert.Equal("iad=http://127.0.0.1:4318/,fra=http://127.0.0.1:4328/", value);
        Assert.Equal(routes, LoadRoute.ParseList(value));
        Assert.Throws<FormatException>(() => LoadRoute.ParseList("iad:http://x"));
    }

    private sealed class RecordingSender(bool blocking = false) : IBlockingOtlpSender
    {
        private int _sent;
        private int _sentBlocking;

        public int Sent => _sent;

        public int SentBlocking => _sentBlocking;

        public bool CanSendBlocking => blocking;

        public OtlpSendResult Send(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _sentBlocking);
            return new OtlpSendResult(true, 1, 0, 0, null);
        }

        public OtlpSenderStats Stats { get; } = new();

        public Task<OtlpSendResult> SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _sent);
            return Task.FromResult(new OtlpSendResult(true, 1, 0, 0, null));
        }

        public void Dispose()
        {
        }
    }
}
