using System.Text.Json;
using ActorTracing.Cli.Admin;
using ActorTracing.Domain;
using ActorTracing.Protocol.Traces;
using Akka.Actor;
using Akka.Cluster.Sharding;

namespace ActorTracing.Admin.Tests;

/// <summary>
/// The CLI client against the admin endpoints of a real three-node cluster with the real trace
/// shard region: golden tables (ports normalised), JSON, and the exit codes scripts rely on.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class AdminCliSpec(TestCluster cluster)
{
    private TestNode Node1 => cluster.Nodes[0];

    [Fact]
    public async Task Cluster_show_prints_every_member_with_status_reachability_region_and_leader()
    {
        var result = await TestCluster.RunAsync([Node1.AdminTarget, "cluster", "show"]);
        Assert.Equal(AdminExitCodes.Ok, result.ExitCode);
        Assert.Equal(
            """
            ADDRESS                                  STATUS  REACHABLE  REGION  ROLES
            akka.tcp://actortracing@127.0.0.1:NODE1  Up      yes        iad     process,region-iad  leader, self
            akka.tcp://actortracing@127.0.0.1:NODE2  Up      yes        sfo     process,region-sfo
            akka.tcp://actortracing@127.0.0.1:NODE3  Up      yes        fra     process,region-fra
            3 member(s), 0 unreachable; leader akka.tcp://actortracing@127.0.0.1:NODE1

            """,
            cluster.Normalize(result.Out));
    }

    [Fact]
    public async Task Cluster_show_json_is_the_endpoint_answer_as_is()
    {
        var result = await TestCluster.RunAsync([cluster.Nodes[1].AdminTarget, "cluster", "show", "--json"]);
        Assert.Equal(AdminExitCodes.Ok, result.ExitCode);
        using var json = JsonDocument.Parse(result.Out);
        var members = json.RootElement.GetProperty("members").EnumerateArray().ToArray();
        Assert.Equal(3, members.Length);
        Assert.All(members, m => Assert.Equal("Up", m.GetProperty("status").GetString()));
        Assert.Equal(cluster.Nodes[1].Address.ToString(), json.RootElement.GetProperty("self").GetString());
        Assert.Equal(Node1.Address.ToString(), json.RootElement.GetProperty("leader").GetString());
        Assert.Equal(["fra", "iad", "sfo"], members.Select(m => m.GetProperty("region").GetString()).Order());
    }

    [Fact]
    public async Task Sharding_regions_and_stats_cover_every_node()
    {
        // An entity is a shard (all its traces); a child span without its parent keeps each trace
        // open, so the shards they hash to stay started.
        var ids = Enumerable.Range(1, 30).Select(i => new TraceId(0xabc, (ulong)i)).ToArray();
        foreach (var id in ids)
        {
            Node1.TraceRegion.Tell(new TraceCommands.AppendSpans(id, [Span(id, 2, parent: 1, "iad")]));
            await Node1.TraceRegion.Ask<TraceQueries.TraceStatus>(new TraceQueries.GetTraceStatus(id), TimeSpan.FromSeconds(10));
        }

        var regions = await TestCluster.RunAsync([Node1.AdminTarget, "cluster-sharding", "regions"]);
        Assert.Equal(AdminExitCodes.Ok, regions.ExitCode);
        Assert.Equal("TYPE   REGION\ntrace  /system/sharding/trace\n", cluster.Normalize(regions.Out));

        var local = await TestCluster.RunAsync([Node1.AdminTarget, "cluster-sharding", "region-stats", "-r", "trace", "--json"]);
        Assert.Equal(AdminExitCodes.Ok, local.ExitCode);
        using (var json = JsonDocument.Parse(local.Out))
        {
            Assert.Equal(Node1.Address.ToString(), json.RootElement.GetProperty("node").GetString());
        }

        var all = await TestCluster.RunAsync([cluster.Nodes[2].AdminTarget, "cluster-sharding", "shard-stats", "-r", "trace", "--json"]);
        Assert.Equal(AdminExitCodes.Ok, all.ExitCode);
        using (var json = JsonDocument.Parse(all.Out))
        {
            Assert.Equal(3, json.RootElement.GetProperty("responsive").GetInt32());
            Assert.Empty(json.RootElement.GetProperty("failed").EnumerateArray());
            var entities = json.RootElement.GetProperty("members").EnumerateArray().Sum(m => m.GetProperty("entities").GetInt32());
            var shards = ids.Select(id => new ActorTracing.Actors.Traces.TraceMessageExtractor(ActorTracing.Actors.Traces.TraceActorSettings.Default.NumberOfShards).ShardOf(id)).Distinct().Count();
            Assert.True(entities >= shards, $"expected at least {shards} entities (one per shard the traces hash to), got {entities}: {all.Out}");
        }

        var table = await TestCluster.RunAsync([cluster.Nodes[2].AdminTarget, "cluster-sharding", "shard-stats", "-r", "trace"]);
        var lines = cluster.Normalize(table.Out).Split('\n');
        Assert.Equal("Queried 3 nodes: 3 responsive, 0 failed after 3s", lines[0]);
        Assert.Matches("^NODE +SHARDS +ENTITIES +FAILED SHARDS$", lines[1]);
        Assert.Equal(3, lines.Count(l => l.StartsWith("akka.tcp://actortracing@127.0.0.1:NODE", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Actor_hierarchy_draws_the_local_tree_to_the_requested_depth()
    {
        var root = Node1.System.ActorOf(Props.Create(() => new Parent(3)), "hierarchy-golden");
        await root.Ask<int>("ready", TimeSpan.FromSeconds(5));

        const string expected = """
            /user/hierarchy-golden (Parent)
            ├─ child-0 (Parent)
            │  ├─ child-0 (Parent) [2 children]
            │  └─ child-1 (Parent) [2 children]
            └─ child-1 (Parent)
               ├─ child-0 (Parent) [2 children]
               └─ child-1 (Parent) [2 children]

            """;
        // Children construct (and create theirs) asynchronously after the root answered.
        CliResult result = null!;
        await Poll.UntilAsync(
            async () => (result = await TestCluster.RunAsync([Node1.AdminTarget, "actor", "hierarchy", "-s", "/user/hierarchy-golden", "-d", "2"])).Out.Replace("\r\n", "\n", StringComparison.Ordinal) == expected,
            TimeSpan.FromSeconds(10),
            "the whole tree to exist");
        Assert.Equal(AdminExitCodes.Ok, result.ExitCode);

        var missing = await TestCluster.RunAsync([Node1.AdminTarget, "actor", "hierarchy", "-s", "/user/nothing-here"]);
        Assert.Equal(AdminExitCodes.Failed, missing.ExitCode);
        Assert.Contains("no actor at /user/nothing-here", missing.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trace_show_reports_an_in_flight_trace_through_any_node_and_a_decided_one()
    {
        var id = new TraceId(0xfeed, 42);
        var owner = await OwnerOfAsync(id);
        // A child span without its parent: the trace waits (trace-timeout) for the missing fragment.
        owner.TraceRegion.Tell(new TraceCommands.AppendSpans(id, [Span(id, 2, parent: 1, "sfo")]));
        await Poll.UntilAsync(async () => (await owner.TraceRegion.Ask<TraceQueries.TraceStatus>(new TraceQueries.GetTraceStatus(id), TimeSpan.FromSeconds(5))).SpansBuffered == 1, TimeSpan.FromSeconds(10), "the span to be buffered");

        foreach (var via in cluster.Nodes)
        {
            var result = await TestCluster.RunAsync([via.AdminTarget, "trace", "show", id.ToHex()]);
            Assert.Equal(AdminExitCodes.Ok, result.ExitCode);
            var text = System.Text.RegularExpressions.Regex.Replace(result.Out, @"next check in   [0-9.]+m?s", "next check in   <t>");
            Assert.Equal(
                $"""
                trace           {id.ToHex()}
                state           in-flight
                spans buffered  1 ({HeldBytes(Span(id, 2, parent: 1, "sfo"))} B)
                root seen       no
                regions         sfo
                next check in   <t>

                """,
                text.Replace("\r\n", "\n", StringComparison.Ordinal));
        }

        // The root closes the trace: got_root after send-delay. The deciding actor answers, and
        // once it passivated a fresh one answers from the owner's decision cache.
        owner.TraceRegion.Tell(new TraceCommands.AppendSpans(id, [Span(id, 1, parent: 0, "iad")]));
        CliResult decided = null!;
        await Poll.UntilAsync(async () => (decided = await TestCluster.RunAsync([owner.AdminTarget, "trace", "show", id.ToHex(), "--json"])).Out.Contains("\"state\":\"decided\"", StringComparison.Ordinal), TimeSpan.FromSeconds(15), "the decision");
        using var json = JsonDocument.Parse(decided.Out);
        Assert.Equal("decided", json.RootElement.GetProperty("state").GetString());
        Assert.Equal(id.ToHex(), json.RootElement.GetProperty("traceId").GetString());
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("reason").GetString()));
        Assert.Equal(AdminExitCodes.Ok, decided.ExitCode);
        // The decision went through the node's outcome sink, so the latency histogram saw it.
        Assert.True(owner.Latency.Snapshot().Cumulative[^1] >= 1);
    }

    [Theory]
    [InlineData("no-such-palette", "show")]
    [InlineData("cluster", "no-such-command")]
    [InlineData("cluster-sharding", "region-stats")]
    [InlineData("cluster", "show", "--bogus")]
    [InlineData("cluster", "join")]
    [InlineData("actor", "hierarchy", "-d", "deep")]
    [InlineData("trace", "show", "not-a-trace-id")]
    [InlineData("cluster", "join", "not-an-address")]
    public async Task Bad_arguments_exit_2_with_a_message(params string[] args)
    {
        var result = await TestCluster.RunAsync([Node1.AdminTarget, .. args]);
        Assert.Equal(AdminExitCodes.BadArguments, result.ExitCode);
        Assert.StartsWith("actortracing: ", result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Out);
    }

    [Fact]
    public async Task An_unreachable_node_exits_3_with_a_clear_message_and_no_stack_trace()
    {
        using var closed = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closed.Start();
        var port = ((System.Net.IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();

        var result = await TestCluster.RunAsync([$"127.0.0.1:{port}", "cluster", "show"]);
        Assert.Equal(AdminExitCodes.Unreachable, result.ExitCode);
        Assert.Equal($"actortracing: cannot reach the admin endpoint at 127.0.0.1:{port}: connection refused. Is the node running with actortracing.admin enabled on that port?\n", result.Error.Replace("\r\n", "\n", StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_prompt_reads_commands_line_by_line_when_stdin_is_not_a_terminal()
    {
        var result = await TestCluster.RunAsync([Node1.AdminTarget], input: "help\ncluster-sharding regions\n\nsampling stats --json\nexit\ncluster show\n");
        Assert.Equal(AdminExitCodes.Ok, result.ExitCode);
        Assert.Contains("cluster-sharding shard-stats -r <type> [-t <seconds>]", result.Out, StringComparison.Ordinal);
        Assert.Contains("trace  /system/sharding/trace", result.Out, StringComparison.Ordinal);
        Assert.Contains("\"spansReceived\":", result.Out, StringComparison.Ordinal);
        // Nothing after exit runs, and no prompt is printed to a pipe.
        Assert.DoesNotContain("ADDRESS", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("actortracing>", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_prompt_exits_with_the_code_of_its_last_command()
    {
        var result = await TestCluster.RunAsync([Node1.AdminTarget], input: "cluster show\ncluster bogus\n");
        Assert.Equal(AdminExitCodes.BadArguments, result.ExitCode);
        Assert.Contains("unknown command 'cluster bogus'", result.Error, StringComparison.Ordinal);
    }

    private async Task<TestNode> OwnerOfAsync(TraceId id)
    {
        await Node1.TraceRegion.Ask<TraceQueries.TraceStatus>(new TraceQueries.GetTraceStatus(id), TimeSpan.FromSeconds(10));
        var shard = new ActorTracing.Actors.Traces.TraceMessageExtractor(ActorTracing.Actors.Traces.TraceActorSettings.Default.NumberOfShards).ShardOf(id);
        foreach (var node in cluster.Nodes)
        {
            var state = await node.TraceRegion.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(5));
            if (state.Shards.Any(s => s.ShardId == shard))
            {
                return node;
            }
        }
        throw new InvalidOperationException($"no node hosts shard {shard}");
    }

    /// <summary>A span decoded from real OTLP bytes, as ingest makes them: it can cross the wire.</summary>
    /// <summary>The bytes a trace shard holds for the span (compacted: ids, name, kind and times live in its slot).</summary>
    private static long HeldBytes(BufferedSpan span)
    {
        var buffer = new ActorTracing.Domain.Completion.TraceBuffer(span.TraceId, new ActorTracing.Domain.Completion.SpanArena(), new ActorTracing.Domain.Completion.SpanSlots());
        buffer.Add([span], DateTimeOffset.UnixEpoch);
        return buffer.Bytes;
    }

    private static BufferedSpan Span(TraceId trace, ulong id, ulong parent, string region)
    {
        var detail = new SpanDetail
        {
            TraceId = trace,
            SpanId = new SpanId(id),
            ParentSpanId = new SpanId(parent),
            Name = "GET /",
            Kind = SpanKind.Server,
            StartUnixNano = 1_000,
            EndUnixNano = 5_000,
            Attributes = [new("http.route", AttributeValue.FromString("/"))],
        };
        var request = ActorTracing.Domain.Otlp.OtlpEncoder.EncodeRequest(
        [
            new ActorTracing.Domain.Otlp.ResourceSpansDetail(
                [new("service.name", AttributeValue.FromString("edge")), new("cloud.region", AttributeValue.FromString(region))],
                [new ActorTracing.Domain.Otlp.ScopeSpansDetail(new ScopeDetail("edge", "1", []), [detail])]),
        ]);
        return ActorTracing.Domain.Otlp.OtlpTraceDecoder.Decode(request, region).Traces.Single().Spans.Single();
    }

    /// <summary>Builds a binary tree of its own kind <paramref name="depth"/> levels deep.</summary>
    private sealed class Parent : ReceiveActor
    {
        public Parent(int depth)
        {
            if (depth > 0)
            {
                for (var i = 0; i < 2; i++)
                {
                    Context.ActorOf(Props.Create(() => new Parent(depth - 1)), "child-" + i);
                }
            }
            Receive<string>(_ => Sender.Tell(depth));
        }
    }
}
