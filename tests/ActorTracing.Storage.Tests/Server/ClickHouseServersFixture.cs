namespace ActorTracing.Storage.Tests;

/// <summary>
/// Two real ClickHouse servers, the shards of the server specs, started once per test run and
/// stopped (data deleted) at its end. Specs that break a server start one of their own.
/// </summary>
public sealed class ClickHouseServersFixture : IAsyncLifetime
{
    private readonly List<ClickHouseServerProcess> _servers = [];

    internal IReadOnlyList<ClickHouseServerProcess> Shards => _servers;

    public IReadOnlyList<Uri> Endpoints => _servers.Select(s => s.Endpoint).ToArray();

    /// <summary>Settings for servers mode on both shards, with a database unique to the caller.</summary>
    public StorageSettings Settings(string databasePrefix) => new()
    {
        Engine = StorageEngine.Servers,
        Shards = Endpoints,
        User = ClickHouseServerProcess.User,
        Password = ClickHouseServerProcess.Password,
        Database = ChdbFixture.UniqueDatabase(databasePrefix),
        BatchSize = 100,
        FlushInterval = TimeSpan.FromMilliseconds(50),
        MinRetryBackoff = TimeSpan.FromMilliseconds(20),
        MaxRetryBackoff = TimeSpan.FromMilliseconds(200),
        RequestTimeout = TimeSpan.FromSeconds(10),
    };

    public async Task InitializeAsync()
    {
        // One after the other: the machine is small and both start in well under a second.
        try
        {
            _servers.Add(await ClickHouseServerProcess.StartNewAsync());
            _servers.Add(await ClickHouseServerProcess.StartNewAsync());
        }
        catch
        {
            // A fixture that fails to initialize may not be disposed; do not leave a server behind.
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }
    }
}
