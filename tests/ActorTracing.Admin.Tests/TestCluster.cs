using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using ActorTracing.Cli.Admin;
using Akka.Cluster;

namespace ActorTracing.Admin.Tests;

/// <summary>
/// A cluster of <see cref="TestNode"/>s in this process, every member Up before a test starts.
/// Remoting ports are picked free and sorted, so node 1 has the lowest address: it is the leader
/// and the first row of every member table.
/// </summary>
public sealed class TestCluster : IAsyncLifetime
{
    private static readonly string[] Regions = ["iad", "sfo", "fra", "syd"];
    private readonly int _size;
    private readonly int _abruptNode;

    public TestCluster()
        : this(3)
    {
    }

    /// <param name="abruptNode">Index of a node whose Terminate is a crash (no leave), or -1.</param>
    internal TestCluster(int size, int abruptNode = -1)
    {
        _size = size;
        _abruptNode = abruptNode;
    }

    public IReadOnlyList<TestNode> Nodes { get; private set; } = [];

    public async Task InitializeAsync()
    {
        var ports = FreePorts(_size);
        var nodes = new List<TestNode>();
        for (var i = 0; i < _size; i++)
        {
            nodes.Add(await TestNode.StartAsync(ports[i], Regions[i], i == _abruptNode));
        }
        Nodes = nodes;
        var seed = nodes[0].Address;
        foreach (var n in nodes)
        {
            await Cluster.Get(n.System).JoinAsync(seed);
        }
        await Poll.UntilAsync(() => nodes.All(n => Cluster.Get(n.System).State.Members.Count(m => m.Status == MemberStatus.Up) == _size), TimeSpan.FromSeconds(30), "every member Up on every node");
    }

    public async Task DisposeAsync()
    {
        foreach (var n in Nodes.Reverse())
        {
            await n.DisposeAsync();
        }
    }

    /// <summary>Runs the CLI client as `actortracing &lt;args&gt;` with captured output.</summary>
    public static async Task<CliResult> RunAsync(string[] args, string input = "", bool interactive = false, string? envToken = null)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var reader = new StringReader(input);
        var console = new AdminConsole(reader, output, error, interactive, name => name == AdminCli.TokenEnvironmentVariable ? envToken : null);
        var code = await AdminCli.RunAsync(args, console);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    /// <summary>Replaces every node's remoting port with NODEn (same width) and admin ports with ADMIN.</summary>
    public string Normalize(string text)
    {
        for (var i = 0; i < Nodes.Count; i++)
        {
            text = text.Replace(":" + Nodes[i].Port, ":NODE" + (i + 1), StringComparison.Ordinal)
                .Replace(Nodes[i].AdminTarget, "127.0.0.1:ADMIN", StringComparison.Ordinal);
        }
        return Regex.Replace(text, "\r\n", "\n");
    }

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ =>
        {
            var l = new TcpListener(IPAddress.Loopback, 0);
            l.Start();
            return l;
        }).ToArray();
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).Order().ToArray();
        foreach (var l in listeners)
        {
            l.Stop();
        }
        return ports;
    }
}
