namespace ActorTracing.Storage.Tests;

/// <summary>
/// Opening the embedded store is bounded: a start stuck in the engine fails with the statement it
/// is stuck behind instead of leaving a node up but never ready (a start once sat mid-schema for
/// 19 minutes). The real engine, held by a statement of its own that takes seconds.
/// </summary>
[Collection(ChdbCollection.Name)]
public sealed class EmbeddedOpenTimeoutSpec(ChdbFixture chdb)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task An_open_stuck_behind_a_statement_fails_past_its_bound_naming_the_statement_and_the_key()
    {
        var settings = new StorageSettings
        {
            DataDirectory = chdb.DataDirectory,
            Database = ChdbFixture.UniqueDatabase("stuck_open"),
            EmbeddedOpenTimeout = TimeSpan.FromMilliseconds(200),
        };
        // ClickHouse's sleep() holds the engine (one statement at a time) for its 3 s maximum.
        var holder = Task.Factory.StartNew(() => chdb.Engine.Query("SELECT sleep(3)"), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await Until(() => chdb.Engine.Running is not null);

        var e = await Assert.ThrowsAsync<StorageException>(() => EmbeddedSpanStore.OpenAsync(settings, CancellationToken.None));

        Assert.Contains($"did not open database {settings.Database} within", e.Message, StringComparison.Ordinal);
        Assert.Contains("actortracing.storage.embedded-open-timeout", e.Message, StringComparison.Ordinal);
        Assert.Contains("running SELECT sleep(3) for", e.Message, StringComparison.Ordinal);
        await holder.WaitAsync(Patience);

        // The abandoned open was never cancelled (native calls cannot be): it finishes the schema
        // once the engine is free, and a later open finds nothing left to do.
        await Until(() => chdb.Engine.Query($"SELECT count() FROM system.tables WHERE database = '{settings.Database}'") == "7\n");
        var store = await EmbeddedSpanStore.OpenAsync(settings with { EmbeddedOpenTimeout = Patience }, CancellationToken.None);
        Assert.Equal(settings.Database, store.Schema.Database);
        Assert.Null(chdb.Engine.Running);
    }

    [Fact]
    public async Task An_open_within_its_bound_returns_the_store_with_its_schema()
    {
        var settings = new StorageSettings { DataDirectory = chdb.DataDirectory, Database = ChdbFixture.UniqueDatabase("bounded_open") };

        var store = await EmbeddedSpanStore.OpenAsync(settings, CancellationToken.None);

        Assert.Same(chdb.Engine, store.Engine);
        Assert.Equal("7\n", chdb.Engine.Query($"SELECT count() FROM system.tables WHERE database = '{settings.Database}'"));
    }

    private static async Task Until(Func<bool> condition)
    {
        using var bound = new CancellationTokenSource(Patience);
        while (!condition())
        {
            await Task.Delay(10, bound.Token);
        }
    }
}
