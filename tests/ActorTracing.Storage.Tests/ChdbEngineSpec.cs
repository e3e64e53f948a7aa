using System.Text;

namespace ActorTracing.Storage.Tests;

[Collection(ChdbCollection.Name)]
public sealed class ChdbEngineSpec(ChdbFixture chdb, Xunit.Abstractions.ITestOutputHelper output)
{
    private readonly ChdbEngine _engine = chdb.Engine;

    [Fact]
    public void A_query_returns_its_output_in_the_requested_format()
    {
        Assert.Equal("2\n", _engine.Query("SELECT 1 + 1"));
        Assert.Equal("{\"x\":\"a\"}\n", _engine.Query("SELECT 'a' AS x", "JSONEachRow"));
    }

    [Fact]
    public void A_rejected_query_throws_with_ClickHouse_error_text()
    {
        var e = Assert.Throws<StorageException>(() => _engine.Query("SELECT * FROM no_such_db_here.no_such_table"));
        Assert.Contains("no_such_db_here", e.Message, StringComparison.Ordinal);
        Assert.Contains("UNKNOWN_DATABASE", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_engine_runs_its_merges_on_the_configured_number_of_threads()
    {
        // The fixture opened it with the default; a small pool keeps merge bursts off the node's cores.
        Assert.Equal(
            ChdbEngine.DefaultMergeThreads.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n",
            _engine.Query("SELECT value FROM system.server_settings WHERE name = 'background_pool_size'"));
    }

    [Fact]
    public async Task Asynchronous_calls_run_on_the_engines_own_thread_never_on_a_pool_thread()
    {
        // A pool thread blocked in native code for an insert's length is one the node's requests
        // do not get; the engine's callers await its thread instead.
        var where = await _engine.RunAsync(e => (Thread.CurrentThread.Name, Thread.CurrentThread.IsThreadPoolThread, e.Query("SELECT 7")));

        Assert.Equal(ChdbEngine.ThreadName, where.Name);
        Assert.False(where.IsThreadPoolThread);
        Assert.Equal("7\n", where.Item3);
    }

    [Fact]
    public async Task An_asynchronous_call_carries_the_engines_error_and_a_cancelled_one_never_runs()
    {
        var e = await Assert.ThrowsAsync<StorageException>(() => _engine.RunAsync(engine => engine.Query("SELECT * FROM no_such_db_here.t")));
        Assert.Contains("UNKNOWN_DATABASE", e.Message, StringComparison.Ordinal);

        var ran = false;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _engine.RunAsync(_ => ran = true, new CancellationToken(canceled: true)));
        Assert.False(ran);
        // The thread is still serving after both.
        Assert.Equal("1\n", await _engine.RunAsync(engine => engine.Query("SELECT 1")));
    }

    [Fact]
    public async Task Calls_from_many_threads_each_get_their_own_result()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Task.Run(() => _engine.RunAsync(engine => engine.Query($"SELECT {i}")))));
        Assert.Equal(Enumerable.Range(0, 64).Select(i => i + "\n"), results);
    }

    [Fact]
    public void Opening_the_same_directory_again_returns_the_process_engine()
    {
        Assert.Same(_engine, ChdbEngine.Open(chdb.DataDirectory));
    }

    [Fact]
    public void Opening_a_second_directory_is_refused_because_chDB_allows_one_per_process()
    {
        var e = Assert.Throws<StorageException>(() => ChdbEngine.Open(Path.Combine(chdb.DataDirectory, "other")));
        Assert.Contains("one data directory per process", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_streaming_RowBinary_insert_is_binary_safe()
    {
        var db = ChdbFixture.UniqueDatabase("engine");
        _engine.Execute($"CREATE DATABASE {db}");
        _engine.Execute($"CREATE TABLE {db}.t (id UInt64, s String) ENGINE = MergeTree ORDER BY id");

        // Zero bytes and non-ASCII are exactly what inlining RowBinary into a query string breaks.
        var writer = new RowBinaryWriter();
        writer.WriteUInt64(1);
        writer.WriteString("a\0b");
        writer.WriteUInt64(2);
        writer.WriteString("žluťoučký kůň");
        var written = _engine.StreamInsert($"INSERT INTO {db}.t (id, s)", "RowBinary", writer.WrittenMemory.Span);

        Assert.Equal(2UL, written);
        Assert.Equal("1\t610062\n2\t" + Convert.ToHexString(Encoding.UTF8.GetBytes("žluťoučký kůň")) + "\n", _engine.Query($"SELECT id, hex(s) FROM {db}.t ORDER BY id"));
    }

    [Fact]
    public void A_failed_streaming_insert_throws_with_ClickHouse_error_text_and_the_engine_stays_usable()
    {
        var e = Assert.Throws<StorageException>(() => _engine.StreamInsert("INSERT INTO no_such_db_either.t (a)", "RowBinary", [1, 2, 3]));
        Assert.Contains("no_such_db_either", e.Message, StringComparison.Ordinal);

        Assert.Equal("1\n", _engine.Query("SELECT 1"));
    }

    [Fact]
    public void Malformed_RowBinary_is_rejected_and_nothing_of_it_is_committed()
    {
        var db = ChdbFixture.UniqueDatabase("engine");
        _engine.Execute($"CREATE DATABASE {db}");
        _engine.Execute($"CREATE TABLE {db}.t (id UInt64, s String) ENGINE = MergeTree ORDER BY id");
        var writer = new RowBinaryWriter();
        writer.WriteUInt64(1);
        writer.WriteVarUInt(100); // a string claiming 100 bytes that never come

        Assert.Throws<StorageException>(() => _engine.StreamInsert($"INSERT INTO {db}.t (id, s)", "RowBinary", writer.WrittenMemory.Span));
        Assert.Equal("0\n", _engine.Query($"SELECT count() FROM {db}.t"));
    }

    [Fact]
    public void Managed_null_reference_exceptions_stay_catchable_after_the_engine_started()
    {
        // With ClickHouse's signal handlers in place, the runtime's SIGSEGV -> NullReferenceException
        // translation is gone and this kills the test process instead of failing one test.
        string? nothing = Environment.GetEnvironmentVariable("ACTORTRACING_SURELY_UNSET_" + Guid.NewGuid().ToString("N"));
        Assert.Throws<NullReferenceException>(() => nothing!.Length);
        Assert.NotEqual(IntPtr.Zero, SignalHandlerGuard.CurrentHandler(11));
        output.WriteLine($"chDB {_engine.Version}; runtime signal handlers restored after connect: {_engine.RestoredSignalHandlers}");
    }
}
