using ActorTracing.Bench;
using ActorTracing.Domain;
using ActorTracing.Domain.Otlp;
using ActorTracing.Ingest;
using ActorTracing.Node.Hosting;
using ActorTracing.Streams.Kafka.Tests;
using Microsoft.Extensions.DependencyInjection;

namespace ActorTracing.Integration.Tests;

/// <summary>
/// A running node reading Kafka (librdkafka's mock cluster) commits a record's offset only once
/// the node's shards have decided every trace in it — through the whole chain: ingest's receipt
/// for a local shard, the shard's confirmation at decision, redelivery's actor, the stream's
/// ordered wait — and a graceful stop commits what the shards' hand-off decided.
/// </summary>
public sealed class KafkaCommitAfterDecisionSpec
{
    private const string Topic = "spans";

    [Fact]
    public async Task A_record_is_committed_once_its_trace_is_decided_and_not_past_a_trace_still_open()
    {
        using var cluster = new MockKafkaCluster();
        const string group = "it-decided";
        // A complete trace with an error (kept: committed only once its rows are written), one
        // still waiting for its missing parent (until trace-timeout), then another complete one.
        await cluster.ProduceAsync(Topic, 0, Request(new TraceId(1, 1), parent: 0, error: true));
        await cluster.ProduceAsync(Topic, 0, Request(new TraceId(1, 2), parent: 99));
        await cluster.ProduceAsync(Topic, 0, Request(new TraceId(1, 3), parent: 0));
        var node = await StartNodeAsync(cluster, group, "it_kafka_decided", traceTimeout: "4s");
        try
        {
            var kafka = node.Services.GetRequiredService<KafkaIngestService>().Counters;

            // The two complete traces are decided after send-delay; the first record is committed,
            // the third is not: the second, before it, is still open.
            await Eventually.Until(() => node.Gauges.TracesDecided == 2 && cluster.Committed(group, Topic, 0) == 1);
            Assert.Equal(1, node.Gauges.TracesBuffered);
            Assert.Equal(1, node.Gauges.TracesKept);
            await Task.Delay(TimeSpan.FromSeconds(1)); // a negative check: ten commit intervals
            Assert.Equal(1, cluster.Committed(group, Topic, 0));
            Assert.Equal(1, kafka.UndecidedRecords); // the third is decided; it waits only to be committed after the second

            // The open trace expires (missing parent) and is decided: everything is committed.
            await Eventually.Until(() => cluster.Committed(group, Topic, 0) == 3);
            Assert.Equal(3, node.Gauges.TracesDecided);
            // The gauge follows the decisions' own continuations, which run apart from the stream's.
            await Eventually.Until(() => kafka.UndecidedRecords == 0);
        }
        finally
        {
            await node.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_graceful_stop_commits_the_records_whose_traces_its_hand_off_decided()
    {
        using var cluster = new MockKafkaCluster();
        const string group = "it-graceful";
        // A trace that would wait a minute for its missing parent.
        await cluster.ProduceAsync(Topic, 0, Request(new TraceId(2, 1), parent: 99));
        var node = await StartNodeAsync(cluster, group, "it_kafka_graceful", traceTimeout: "60s");
        try
        {
            await Eventually.Until(() => node.Gauges.TracesBuffered == 1);
            Assert.Equal(-1, cluster.Committed(group, Topic, 0));
        }
        finally
        {
            await node.DisposeAsync();
        }

        // The stop decided it (hand_off) and committed its record: a rolling restart reads it no more.
        Assert.Equal(1, node.Gauges.TracesDecided);
        Assert.Equal(1, cluster.Committed(group, Topic, 0));
    }

    [Fact]
    public async Task A_node_killed_with_a_trace_open_loses_nothing_the_next_consumer_reads_its_record_again_and_decides_it()
    {
        using var cluster = new MockKafkaCluster();
        const string group = "it-crash";
        await cluster.ProduceAsync(Topic, 0, Request(new TraceId(3, 1), parent: 99));
        var data = Path.Combine(Path.GetTempPath(), "at-kafka-crash-" + Guid.NewGuid().ToString("N"));
        try
        {
            // The first node is a process of its own, so it can die as processes do: SIGKILL, no
            // hand-off, no stop, no commit.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var first = await ProcessBenchNode.StartAsync(BenchNodeProcessSpec.Cli, new BenchNodeSpec(data, "it_kafka_crash_first", "iad", KafkaHocon(cluster, group, "60s")),
                () => clock.Elapsed.TotalSeconds, TimeSpan.FromMinutes(1), CancellationToken.None);
            await using (first)
            {
                await Eventually.Until(async () => (await first.SampleAsync(0, "open", CancellationToken.None)).BufferedTraces == 1);
                using var process = System.Diagnostics.Process.GetProcessById(first.Pid);
                process.Kill();
                await process.WaitForExitAsync().WaitAsync(Eventually.Timeout);
            }
            Assert.Equal(-1, cluster.Committed(group, Topic, 0));

            // The group's next consumer (once the dead member's session has timed out) reads the
            // record again; its trace is decided there (missing parent, after trace-timeout).
            var second = await StartNodeAsync(cluster, group, "it_kafka_crash_second", traceTimeout: "1s");
            try
            {
                await Eventually.Until(() => Task.FromResult(cluster.Committed(group, Topic, 0) == 1));
                Assert.Equal(1, second.Gauges.TracesDecided);
                Assert.Equal(1, second.Gauges.SpansReceived);
            }
            finally
            {
                await second.DisposeAsync();
            }
        }
        finally
        {
            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static Task<NodeHost> StartNodeAsync(MockKafkaCluster cluster, string group, string database, string traceTimeout) =>
        EmbeddedNodeFixture.StartNodeAsync(database, KafkaHocon(cluster, group, traceTimeout));

    private static string KafkaHocon(MockKafkaCluster cluster, string group, string traceTimeout)
    {
        var properties = string.Join("\n", MockKafkaCluster.FastGroupProperties.Select(p => $"\"{p.Key}\" = \"{p.Value}\""));
        return $$"""
            actortracing.trace.trace-timeout = {{traceTimeout}}
            actortracing.ingest.kafka {
              enabled = on
              bootstrap-servers = "{{cluster.BootstrapServers}}"
              topics = ["{{Topic}}"]
              group-id = "{{group}}"
              commit-interval = 50ms
              properties {
                {{properties}}
              }
            }
            """;
    }

    private static byte[] Request(TraceId trace, ulong parent, bool error = false) => OtlpEncoder.EncodeRequest(
    [
        new ResourceSpansDetail(
            [new("service.name", AttributeValue.FromString("checkout"))],
            [new ScopeSpansDetail(new ScopeDetail("it", "1.0", []),
            [
                new SpanDetail
                {
                    TraceId = trace,
                    SpanId = new SpanId(7),
                    ParentSpanId = new SpanId(parent),
                    Name = "GET /cart",
                    Kind = SpanKind.Server,
                    StartUnixNano = 1_700_000_000_000_000_000,
                    EndUnixNano = 1_700_000_000_010_000_000,
                    StatusCode = error ? SpanStatusCode.Error : SpanStatusCode.Unset,
                },
            ])]),
    ]);
}
