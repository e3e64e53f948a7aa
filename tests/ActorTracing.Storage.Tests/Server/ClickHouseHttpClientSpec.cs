using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ActorTracing.Storage.Tests;

[Collection(ClickHouseServersCollection.Name)]
public sealed class ClickHouseHttpClientSpec(ClickHouseServersFixture servers)
{
    private ClickHouseServerProcess Server => servers.Shards[0];

    [Fact]
    public async Task A_query_returns_its_result_in_the_requested_format()
    {
        using var client = Server.Client();

        await client.PingAsync(CancellationToken.None);
        Assert.Equal("18.16.1\n", await client.QueryAsync("SELECT version()", "TabSeparated", CancellationToken.None));
        Assert.Equal("""{"n":"3","s":"a\/b"}""" + "\n", await client.QueryAsync("SELECT toUInt64(3) AS n, 'a/b' AS s", "JSONEachRow", CancellationToken.None));
        // RowBinary: UInt32 little endian, then a LEB128-prefixed String.
        Assert.Equal(new byte[] { 7, 0, 0, 0, 2, (byte)'h', (byte)'i' }, await client.QueryBytesAsync("SELECT toUInt32(7), 'hi'", "RowBinary", CancellationToken.None));
        // Per-query settings travel as URL parameters and apply to that query only.
        var withSetting = await client.QueryBytesAsync(
            "SELECT value FROM system.settings WHERE name = 'max_threads'", "TabSeparated", new Dictionary<string, string> { ["max_threads"] = "3" }, CancellationToken.None);
        Assert.Equal("3\n", Encoding.UTF8.GetString(withSetting));
        Assert.NotEqual("3\n", await client.QueryAsync("SELECT value FROM system.settings WHERE name = 'max_threads'", "TabSeparated", CancellationToken.None));
        // Too long for a URL (ClickHouse refuses URIs over 16 KB): sent as the body instead.
        var longSql = $"SELECT length('{new string('x', 20_000)}')";
        Assert.Equal("20000\n", await client.QueryAsync(longSql, "TabSeparated", CancellationToken.None));
    }

    [Fact]
    public async Task An_insert_streams_its_body_in_the_given_format()
    {
        using var client = Server.Client();
        var database = ChdbFixture.UniqueDatabase("insert");
        await client.ExecuteAsync($"CREATE DATABASE `{database}`", CancellationToken.None);
        await client.ExecuteAsync($"CREATE TABLE `{database}`.t (n UInt32, s String) ENGINE = Memory", CancellationToken.None);

        await client.InsertAsync($"INSERT INTO `{database}`.t (n, s)", "TabSeparated", Encoding.UTF8.GetBytes("1\tone\n2\ttwo\n"), CancellationToken.None);

        Assert.Equal("1\tone\n2\ttwo\n", await client.QueryAsync($"SELECT n, s FROM `{database}`.t ORDER BY n", "TabSeparated", CancellationToken.None));
    }

    [Fact]
    public async Task A_server_error_becomes_a_storage_exception_with_the_code_and_the_servers_message()
    {
        using var client = Server.Client();

        var syntax = await Assert.ThrowsAsync<StorageException>(() => client.ExecuteAsync("SELEC 1", CancellationToken.None));
        var missing = await Assert.ThrowsAsync<StorageException>(() => client.QueryAsync("SELECT * FROM no_such_db.t", "TabSeparated", CancellationToken.None));
        // The error surfaces mid-result; wait_end_of_query turns it into an error status, not a cut-off answer.
        var midway = await Assert.ThrowsAsync<StorageException>(() => client.QueryAsync("SELECT throwIf(number = 99999) FROM system.numbers LIMIT 100000", "TabSeparated", CancellationToken.None));

        Assert.Equal(62, syntax.ErrorCode);
        Assert.Contains("Syntax error", syntax.Message, StringComparison.Ordinal);
        Assert.Contains($"ClickHouse {Server.Endpoint} answered HTTP 400, code 62", syntax.Message, StringComparison.Ordinal);
        Assert.Equal(81, missing.ErrorCode);
        Assert.Contains("Database no_such_db doesn't exist", missing.Message, StringComparison.Ordinal);
        Assert.Equal(395, midway.ErrorCode);
    }

    [Fact]
    public async Task Bad_credentials_give_an_error_that_names_the_user_and_the_setting()
    {
        using var wrongPassword = Server.Client(password: "wrong");
        using var unknownUser = Server.Client(user: "nobody", password: "x");

        var wrong = await Assert.ThrowsAsync<StorageException>(() => wrongPassword.ExecuteAsync("SELECT 1", CancellationToken.None));
        var unknown = await Assert.ThrowsAsync<StorageException>(() => unknownUser.ExecuteAsync("SELECT 1", CancellationToken.None));
        var open = await Assert.ThrowsAsync<StorageException>(() =>
            (servers.Settings("creds") with { Password = "wrong" }).OpenShardsAsync(CancellationToken.None));

        Assert.Equal(193, wrong.ErrorCode);
        Assert.Contains("Wrong password for user actortracing", wrong.Message, StringComparison.Ordinal);
        Assert.Contains("Check actortracing.storage.user / password (user 'actortracing')", wrong.Message, StringComparison.Ordinal);
        Assert.Equal(192, unknown.ErrorCode);
        Assert.Contains("Unknown user nobody", unknown.Message, StringComparison.Ordinal);
        Assert.Contains(servers.Endpoints[0].ToString(), open.Message, StringComparison.Ordinal);
        Assert.Equal(193, open.ErrorCode);
    }

    [Fact]
    public async Task A_request_over_the_timeout_fails_as_a_timeout_but_a_callers_cancel_stays_a_cancel()
    {
        using var client = Server.Client(timeout: TimeSpan.FromMilliseconds(300));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var timeout = await Assert.ThrowsAsync<StorageException>(() => client.QueryAsync("SELECT sleep(2)", "TabSeparated", CancellationToken.None));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.QueryAsync("SELECT 1", "TabSeparated", cancelled.Token));

        Assert.Contains("no answer within 0.3 s", timeout.Message, StringComparison.Ordinal);
        Assert.Null(timeout.ErrorCode);
    }

    [Fact]
    public async Task An_unreachable_server_is_a_storage_exception_naming_it()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var client = new ClickHouseHttpClient(new Uri($"http://127.0.0.1:{port}"), requestTimeout: TimeSpan.FromSeconds(5));

        var error = await Assert.ThrowsAsync<StorageException>(() => client.ExecuteAsync("SELECT 1", CancellationToken.None));

        Assert.StartsWith($"ClickHouse http://127.0.0.1:{port}/: request failed", error.Message, StringComparison.Ordinal);
        Assert.IsType<HttpRequestException>(error.InnerException);
    }

    [Fact]
    public void Error_codes_are_read_from_old_and_new_server_texts()
    {
        Assert.Equal(81, ClickHouseHttpClient.ParseErrorCode("Code: 81, e.displayText() = DB::Exception: Database x doesn't exist, e.what() = DB::Exception"));
        Assert.Equal(60, ClickHouseHttpClient.ParseErrorCode("Code: 60. DB::Exception: Table otel.x does not exist. (UNKNOWN_TABLE) (version 24.3.1)"));
        Assert.Null(ClickHouseHttpClient.ParseErrorCode("Bad Gateway"));
        Assert.Null(ClickHouseHttpClient.ParseErrorCode(null));
    }
}
