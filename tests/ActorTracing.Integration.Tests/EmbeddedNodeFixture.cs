using ActorTracing.Node.Hosting;

namespace ActorTracing.Integration.Tests;

/// <summary>
/// The embedded engine allows one data directory per process, so every test of this assembly
/// shares one directory and each node gets its own database in it.
/// </summary>
public static class EmbeddedNodeFixture
{
    public static readonly string DataDirectory = Path.Combine(Path.GetTempPath(), $"actortracing-it-{Environment.ProcessId}");

    /// <summary>A node on ephemeral ports with a short send-delay, writing to database <paramref name="database"/>.</summary>
    public static Task<NodeHost> StartNodeAsync(string database, string extraHocon = "")
        => NodeHost.StartAsync(new NodeOptions
        {
            Overrides = $$"""
                actortracing.node.port = 0
                actortracing.node.region = iad
                actortracing.ingest.grpc.endpoint = "127.0.0.1:0"
                actortracing.ingest.http.endpoint = "127.0.0.1:0"
                actortracing.query.endpoint = "127.0.0.1:0"
                actortracing.admin.port = 0
                actortracing.storage.data-directory = "{{DataDirectory}}"
                actortracing.storage.database = {{database}}
                actortracing.ingest.wal.directory = "{{Path.Combine(DataDirectory, database + "-wal")}}"
                actortracing.storage.flush-interval = 50ms
                actortracing.trace.send-delay = 300ms
                actortracing.trace.trace-timeout = 10s
                {{extraHocon}}
                """,
        });
}
