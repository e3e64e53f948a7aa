using ActorTracing.Cli.Admin;
using Akka.Cluster;

namespace ActorTracing.Admin.Tests;

/// <summary>
/// Commands that remove members, each on a cluster of its own: they ask before acting unless
/// --yes, refuse to guess when nobody can answer, and partial answers name who is silent.
/// </summary>
public sealed class DestructiveCommandsSpec
{
    [Fact]
    public async Task Down_asks_for_confirmation_and_changes_nothing_without_it()
    {
        var cluster = new TestCluster(2);
        await cluster.InitializeAsync();
        try
        {
            var (node1, node2) = (cluster.Nodes[0], cluster.Nodes[1]);
            string[] down = [node1.AdminTarget, "cluster", "down", node2.Address.ToString()];

            var piped = await TestCluster.RunAsync(down);
            Assert.Equal(AdminExitCodes.BadArguments, piped.ExitCode);
            Assert.Contains("confirm with --yes", piped.Error, StringComparison.Ordinal);

            var declined = await TestCluster.RunAsync(down, input: "n\n", interactive: true);
            Assert.Equal(AdminExitCodes.Failed, declined.ExitCode);
            Assert.Equal(
                "akka.tcp://actortracing@127.0.0.1:NODE2 will be marked DOWN: removed without hand-off, its buffered traces are lost. Proceed? [y/N] aborted: nothing was changed\n",
                cluster.Normalize(declined.Error));
            Assert.Equal(2, Cluster.Get(node1.System).State.Members.Count(m => m.Status == MemberStatus.Up));

            var confirmed = await TestCluster.RunAsync(down, input: "y\n", interactive: true);
            Assert.Equal(AdminExitCodes.Ok, confirmed.ExitCode);
            Assert.Equal(
                "akka.tcp://actortracing@127.0.0.1:NODE2 marked down: its shards move without hand-off\n  akka.tcp://actortracing@127.0.0.1:NODE2\n",
                cluster.Normalize(confirmed.Out));
            await Poll.UntilAsync(() => Cluster.Get(node1.System).State.Members.All(m => !m.Address.Equals(node2.Address)), TimeSpan.FromSeconds(20), "node 2 to be removed");

            var unknown = await TestCluster.RunAsync([node1.AdminTarget, "cluster", "leave", "akka.tcp://actortracing@127.0.0.1:1", "--yes"]);
            Assert.Equal(AdminExitCodes.Failed, unknown.ExitCode);
            Assert.Contains("is not a member of this cluster", unknown.Error, StringComparison.Ordinal);
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task Shard_stats_name_a_silent_member_and_down_unreachable_removes_it()
    {
        var cluster = new TestCluster(3, abruptNode: 2);
        await cluster.InitializeAsync();
        try
        {
            var (node1, node3) = (cluster.Nodes[0], cluster.Nodes[2]);
            // The coordinator must know node 3's region before the crash, or the query would not
            // ask it at all (its region registers asynchronously after the node is Up).
            await Poll.UntilAsync(
                async () => (await TestCluster.RunAsync([node1.AdminTarget, "cluster-sharding", "shard-stats", "-r", "trace", "-t", "1"])).Out.Contains("Queried 3 nodes: 3 responsive", StringComparison.Ordinal),
                TimeSpan.FromSeconds(30),
                "node 3's region to be registered");
            // A crash, not a leave: the others see it unreachable, and its region stays registered.
            await node3.System.Terminate();
            await Poll.UntilAsync(() => Cluster.Get(node1.System).State.Unreachable.Any(m => m.Address.Equals(node3.Address)), TimeSpan.FromSeconds(30), "node 3 to be unreachable");

            var stats = await TestCluster.RunAsync([node1.AdminTarget, "cluster-sharding", "shard-stats", "-r", "trace", "-t", "1"]);
            Assert.Equal(AdminExitCodes.Failed, stats.ExitCode);
            var lines = cluster.Normalize(stats.Out).Split('\n');
            Assert.Equal("Queried 3 nodes: 2 responsive, 1 failed after 1s", lines[0]);
            Assert.Matches(@"^akka\.tcp://actortracing@127\.0\.0\.1:NODE3 +\? +\? +no reply$", lines[^2]);

            var show = await TestCluster.RunAsync([node1.AdminTarget, "cluster", "show"]);
            Assert.Matches(@"akka\.tcp://actortracing@127\.0\.0\.1:NODE3  Up      NO ", cluster.Normalize(show.Out));

            var piped = await TestCluster.RunAsync([node1.AdminTarget, "cluster", "down-unreachable"]);
            Assert.Equal(AdminExitCodes.BadArguments, piped.ExitCode);

            var downed = await TestCluster.RunAsync([node1.AdminTarget, "cluster", "down-unreachable", "--yes"]);
            Assert.Equal(AdminExitCodes.Ok, downed.ExitCode);
            Assert.Equal("1 unreachable member(s) marked down\n  akka.tcp://actortracing@127.0.0.1:NODE3\n", cluster.Normalize(downed.Out));
            await Poll.UntilAsync(() => Cluster.Get(node1.System).State.Members.All(m => !m.Address.Equals(node3.Address)), TimeSpan.FromSeconds(30), "node 3 to be removed");
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }
}
