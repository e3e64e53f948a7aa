using ActorTracing.Ingest;
using Akka.TestKit.Xunit2;

namespace ActorTracing.Streams.Kafka.Tests;

/// <summary>The Kafka ingest stream (consume → decode → submit → commit) against librdkafka's mock cluster.</summary>
public sealed class KafkaIngestSpec : TestKit
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    [Fact]
    public async Task A_refused_record_is_retried_and_not_committed_until_accepted_and_nothing_after_it_is_submitted()
    {
        using var cluster = new MockKafkaCluster();
        await cluster.ProduceAsync("spans", 0, TestRequests.Protobuf(1));
        await cluster.ProduceAsync("spans", 0, TestRequests.Protobuf(2));
        var ingress = new RecordingIngress(refusing: true);
        await using var ingest = Ingest(cluster, "retry", ingress);
        ingest.Start();

        await AwaitConditionAsync(() => ingress.Refusals >= 2, Timeout, Interval);

        // Refused twice: still the first record, nothing accepted, nothing committed, nothing
        // after it handed to decoding.
        Assert.All(ingress.Calls, c => Assert.Equal([1], c.Requests));
        Assert.Empty(ingress.Accepted);
        Assert.Equal(1, ingest.Counters.RecordsConsumed);
        Assert.True(ingest.Counters.Retries >= 2);
        Assert.Equal(-1, cluster.Committed("retry", "spans", 0));

        ingress.Refusing = false;

        await AwaitAssertAsync(() => Assert.Equal(2, cluster.Committed("retry", "spans", 0)), Timeout, Interval);
        Assert.Equal([1, 2], ingress.Accepted);
        Assert.Equal(2, ingest.Counters.SpansAccepted);
        Assert.Equal(0, ingest.Counters.RecordsMalformed);
    }

    [Fact]
    public async Task A_malformed_record_is_counted_skipped_and_committed_and_the_next_record_still_arrives()
    {
        using var cluster = new MockKafkaCluster();
        await cluster.ProduceAsync("spans", 0, TestRequests.Protobuf(1));
        await cluster.ProduceAsync("spans", 0, TestRequests.Malformed());
        await cluster.ProduceAsync("spans", 0, TestRequests.Protobuf(3));
        var ingress = new RecordingIngress();
        await using var ingest = Ingest(cluster, "malformed", ingress);
        ingest.Start();

        await AwaitAssertAsync(() => Assert.Equal(3, cluster.Committed("malformed", "spans", 0)), Timeout, Interval);
        // The counter follows the commit's reply, so it may trail the broker by a moment.
        await AwaitConditionAsync(() => ingest.Counters.RecordsCommitted == 3, Timeout, Interval);

        Assert.Equal([1, 3], ingress.Accepted);
        Assert.Equal(1, ingest.Counters.RecordsMalformed);
        Assert.Equal(3, ingest.Counters.RecordsConsumed);
    }

    [Fact]
    public async Task Lag_is_reported_per_partition_and_reaches_zero_after_catching_up()
    {
        using var cluster = new MockKafkaCluster();
        for (var i = 0; i < 4; i++)
        {
            await cluster.ProduceAsync("spans", i % 2, TestRequests.Protobuf(i));
        }
        var ingress = new RecordingIngress(refusing: true);
        await using var ingest = Ingest(cluster, "lag", ingress);
        ingest.Start();

        // While the ingress refuses nothing is committed: both partitions lag by their 2 records.
        // (The mock auto-creates the topic with more partitions; the empty ones lag by 0.)
        await AwaitConditionAsync(() => ingress.Refusals >= 1, Timeout, Interval);
        await AwaitAssertAsync(async () =>
        {
            var lag = await ingest.QueryLagAsync();
            Assert.Equal([(0, 2L), (1, 2L)], lag.Where(l => l.Partition < 2).Select(l => (l.Partition, l.Lag)).Order());
            Assert.All(lag.Where(l => l.Partition >= 2), l => Assert.Equal(0, l.Lag));
        }, Timeout, Interval);

        ingress.Refusing = false;

        await AwaitAssertAsync(() =>
        {
            var lag = ingest.Counters.Lag;
            Assert.NotEmpty(lag);
            Assert.All(lag, l => Assert.Equal(0, l.Lag));
            Assert.All(lag.Where(l => l.Partition < 2), l => Assert.Equal(2, l.HighWatermark));
        }, Timeout, Interval);
        Assert.Equal(4, ingress.Accepted.Count());
    }

    [Fact]
    public async Task A_restarted_ingest_resumes_from_the_committed_offset_without_losing_records()
    {
        using var cluster = new MockKafkaCluster();
        for (var i = 0; i < 3; i++)
        {
            await cluster.ProduceAsync("spans", 0, TestRequests.Protobuf(i));
        }
        var firstIngress = new RecordingIngress();
        var first = Ingest(cluster, "resume", firstIngress);
        first.Start();
        await AwaitAssertAsync(() => Assert.Equal(3, cluster.Committed("resume", "spans", 0)), Timeout, Interval);
        await first.DisposeAsync();

        for (var i = 3; i < 5; i++)
        {
            await cluster.ProduceAsync("spans", 0, TestRequests.Protobuf(i));
        }
        var secondIngress = new RecordingIngress();
        await using var second = Ingest(cluster, "resume", secondIngress);
        second.Start();

        await AwaitAssertAsync(() => Assert.Equal(5, cluster.Committed("resume", "spans", 0)), Timeout, Interval);
        Assert.Equal([0, 1, 2], firstIngress.Accepted);
        Assert.Equal([3, 4], secondIngress.Accepted);
    }

    [Fact]
    public async Task Stopping_while_a_record_is_refused_leaves_it_uncommitted_and_the_next_run_delivers_it()
    {
        using var cluster = new MockKafkaCluster();
        await cluster.ProduceAsync("spans", 0, TestRequests.Protobuf(1));
        await cluster.ProduceAsync("spans", 0, TestRequests.Protobuf(2));
        var refusing = new RecordingIngress(refusing: true);
        var first = Ingest(cluster, "stop", refusing);
        first.Start();
        await AwaitConditionAsync(() => refusing.Refusals >= 1, Timeout, Interval);

        await first.DisposeAsync().AsTask().WaitAsync(Timeout);

        Assert.True(first.Completion.IsCompletedSuccessfully);
        Assert.Empty(refusing.Accepted);
        Assert.Equal(-1, cluster.Committed("stop", "spans", 0));

        var accepting = new RecordingIngress();
        await using var second = Ingest(cluster, "stop", accepting);
        second.Start();
        await AwaitAssertAsync(() => Assert.Equal(2, cluster.Committed("stop", "spans", 0)), Timeout, Interval);
        Assert.Equal([1, 2], accepting.Accepted);
    }

    [Fact]
    public async Task A_record_is_committed_only_once_its_traces_are_decided_and_only_with_every_record_before_it()
    {
        using var cluster = new MockKafkaCluster();
        // All three are accepted and wait at once (polling goes on while decisions are pending).
        var (started, ingress) = await StartHoldingThreeAsync(cluster, "decided");
        await using var ingest = started;

        // The second is decided first: it waits for the first, so nothing is committed. (A
        // negative check has to give the committer its chance: ten commit intervals.)
        ingress.Decide(2);
        await AwaitConditionAsync(() => ingest.Counters.UndecidedRecords == 2, Timeout, Interval);
        await Task.Delay(Settings(cluster, "decided").CommitInterval * 10);
        Assert.Equal(-1, cluster.Committed("decided", "spans", 0));

        ingress.Decide(1);
        await AwaitAssertAsync(() => Assert.Equal(2, cluster.Committed("decided", "spans", 0)), Timeout, Interval);
        ingress.Decide(3);
        await AwaitAssertAsync(() => Assert.Equal(3, cluster.Committed("decided", "spans", 0)), Timeout, Interval);
        // The gauge follows the decisions' own continuations, which run apart from the stream's.
        await AwaitConditionAsync(() => ingest.Counters.UndecidedRecords == 0, Timeout, Interval);
        Assert.Equal([1, 2, 3], ingress.Accepted);
    }

    [Fact]
    public async Task A_record_whose_decisions_will_not_be_heard_stays_uncommitted_and_is_read_again()
    {
        using var cluster = new MockKafkaCluster();
        var (started, ingress) = await StartHoldingThreeAsync(cluster, "abandoned");
        await using var ingest = started;

        // The owners' confirmations of the second were given up on: the first is committed, the
        // stream ends at the second (dropping the third's wait), and the next consumer reads
        // both again.
        ingress.HoldDecisions = false;
        ingress.Decide(1);
        ingress.Undecided[2].SetCanceled();

        await AwaitAssertAsync(() => Assert.Equal(3, cluster.Committed("abandoned", "spans", 0)), Timeout, Interval);
        Assert.Equal([1, 2, 3, 2, 3], ingress.Accepted);
        Assert.Equal(1, ingest.Counters.DecisionWaitsAbandoned);
        Assert.Equal(1, ingest.Counters.ConsumerRestarts);

        // The first stream's wait for the third still counts until its decision comes in: the
        // gauge follows the decisions, not the stream that dropped the wait.
        await AwaitConditionAsync(() => ingest.Counters.UndecidedRecords == 1, Timeout, Interval);
        ingress.Decide(3);
        await AwaitConditionAsync(() => ingest.Counters.UndecidedRecords == 0, Timeout, Interval);
    }

    [Fact]
    public async Task A_graceful_stop_commits_what_is_decided_within_its_grace_and_leaves_the_rest_for_the_next_run()
    {
        using var cluster = new MockKafkaCluster();
        var (first, ingress) = await StartHoldingThreeAsync(cluster, "graceful");

        // The host stops: no more fetching, but the accepted records stay. The shards' hand-off
        // then decides what this node owned (here the first two); the third's owner is elsewhere
        // and slower than the grace period.
        first.StopFetching();
        var stopped = first.StopAsync(decisionsWithin: TimeSpan.FromSeconds(1));
        ingress.Decide(1);
        ingress.Decide(2);
        await stopped.WaitAsync(Timeout);
        await first.DisposeAsync();

        Assert.Equal(2, cluster.Committed("graceful", "spans", 0));
        Assert.Equal(1, first.Counters.DecisionWaitsAbandoned);
        Assert.Equal(0, first.Counters.ConsumerRestarts);

        var next = new RecordingIngress();
        await using var second = Ingest(cluster, "graceful", next);
        second.Start();
        await AwaitAssertAsync(() => Assert.Equal(3, cluster.Committed("graceful", "spans", 0)), Timeout, Interval);
        Assert.Equal([3], next.Accepted);
    }

    [Fact]
    public async Task With_commit_after_accepted_a_record_is_committed_without_waiting_for_decisions()
    {
        using var cluster = new MockKafkaCluster();
        await cluster.ProduceAsync("spans", 0, TestRequests.Protobuf(1));
        var ingress = new RecordingIngress { HoldDecisions = true };
        await using var ingest = new KafkaIngest(Settings(cluster, "accepted") with { CommitAfter = KafkaIngestSettings.CommitAfterAccepted }, "test-region", ingress, Sys);
        ingest.Start();

        await AwaitAssertAsync(() => Assert.Equal(1, cluster.Committed("accepted", "spans", 0)), Timeout, Interval);
        Assert.Empty(ingress.Undecided);
        Assert.Equal(0, ingest.Counters.UndecidedRecords);
    }

    [Fact]
    public void Committing_after_decisions_needs_an_ingress_that_reports_them()
    {
        var plain = new PlainIngress();
        var error = Assert.Throws<ArgumentException>(() => new KafkaIngest(new KafkaIngestSettings { Enabled = true, GroupId = "g" }, "r", plain, Sys));
        Assert.Contains("commit-after = decided", error.Message, StringComparison.Ordinal);
        _ = new KafkaIngest(new KafkaIngestSettings { Enabled = true, GroupId = "g", CommitAfter = KafkaIngestSettings.CommitAfterAccepted }, "r", plain, Sys);
    }

    private sealed class PlainIngress : ActorTracing.Protocol.Ingress.ITraceIngress
    {
        public ActorTracing.Protocol.Ingress.IngressResult Submit(IReadOnlyList<ActorTracing.Domain.Otlp.TraceSpans> traces, string protocol, ActorTracing.Domain.SharedBuffer? source = null) =>
            ActorTracing.Protocol.Ingress.IngressResult.Ok;
    }

    [Fact]
    public async Task Librdkafka_complaints_go_to_the_node_log_as_warnings_not_raw_to_stderr()
    {
        // A port nothing listens on: librdkafka reports the refused connection itself (and keeps
        // reconnecting); the node's log must carry it, with the address to check.
        using var closed = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closed.Start();
        var port = ((System.Net.IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        var settings = new KafkaIngestSettings
        {
            Enabled = true,
            BootstrapServers = $"127.0.0.1:{port}",
            Topics = ["spans"],
            GroupId = "log",
        };
        await using var ingest = new KafkaIngest(settings, "test-region", new RecordingIngress(refusing: false), Sys);

        var log = CreateTestProbe();
        Sys.EventStream.Subscribe(log.Ref, typeof(Akka.Event.Warning));
        ingest.Start();

        // It retries with backoff, so more lines follow; the first one is enough.
        await log.FishForMessageAsync(
            m => m is Akka.Event.Warning w && w.ToString().Contains("librdkafka", StringComparison.Ordinal) && w.ToString().Contains($"127.0.0.1:{port}", StringComparison.Ordinal),
            TimeSpan.FromSeconds(20));
    }

    /// <summary>
    /// Requests 1..3 on partition 0, read by an ingest whose ingress accepts them and holds their
    /// decisions: returns once all three wait for their decisions.
    /// </summary>
    private async Task<(KafkaIngest Ingest, RecordingIngress Ingress)> StartHoldingThreeAsync(MockKafkaCluster cluster, string group)
    {
        for (var i = 1; i <= 3; i++)
        {
            await cluster.ProduceAsync("spans", 0, TestRequests.Protobuf(i));
        }
        var ingress = new RecordingIngress { HoldDecisions = true };
        var ingest = Ingest(cluster, group, ingress);
        ingest.Start();
        await AwaitConditionAsync(() => ingress.Undecided.Count == 3 && ingest.Counters.UndecidedRecords == 3, Timeout, Interval);
        return (ingest, ingress);
    }

    internal static KafkaIngestSettings Settings(MockKafkaCluster cluster, string group) => new()
    {
        Enabled = true,
        BootstrapServers = cluster.BootstrapServers,
        Topics = ["spans"],
        GroupId = group,
        CommitInterval = TimeSpan.FromMilliseconds(50),
        LagRefreshInterval = TimeSpan.FromMilliseconds(100),
        Properties = MockKafkaCluster.FastGroupProperties,
    };

    private KafkaIngest Ingest(MockKafkaCluster cluster, string group, RecordingIngress ingress) =>
        new(Settings(cluster, group), "test-region", ingress, Sys);
}
