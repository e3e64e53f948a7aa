using System.Net;
using System.Text.Json;
using ActorTracing.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorTracing.Query.Tests;

/// <summary>Hosting behaviour that needs no stored data: listeners, timeouts, storage failures.</summary>
public sealed class QueryHostSpec
{
    [Fact]
    public async Task The_API_answers_only_on_its_own_listener_not_on_the_hosts_other_ports()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddTraceQuery(new QuerySettings { Endpoint = "127.0.0.1:0" }, _ => new BlockingReader());
        await using var app = builder.Build();
        app.MapTraceQuery();
        await app.StartAsync();
        var queryUri = app.Services.GetRequiredService<QueryEndpoints>().Uri!;
        var other = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(a => new Uri(a)).Single(u => u.Port != queryUri.Port);
        using var client = new HttpClient();

        using var onQuery = await client.GetAsync(new Uri(queryUri, "/api/ui-config"));
        using var onOther = await client.GetAsync(new Uri(other, "/api/ui-config"));
        using var pageOnOther = await client.GetAsync(new Uri(other, "/"));

        Assert.Equal(HttpStatusCode.OK, onQuery.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, onOther.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, pageOnOther.StatusCode);
        await app.StopAsync();
    }

    [Fact]
    public async Task A_query_over_the_timeout_is_a_503_naming_the_setting()
    {
        await using var server = await QueryServer.StartAsync(new BlockingReader(), new QuerySettings { QueryTimeout = TimeSpan.FromMilliseconds(200) });
        using var response = await server.Client.GetAsync(new Uri("/api/services", UriKind.Relative));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("actortracing.query.query-timeout", body.RootElement.GetProperty("errors")[0].GetProperty("msg").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_storage_failure_is_a_503_with_the_storage_message()
    {
        await using var server = await QueryServer.StartAsync(new FanOutSpanReader([new BlockingReader(answer: true), new BlockingReader(fail: true)]));
        using var response = await server.Client.GetAsync(new Uri("/api/services", UriKind.Relative));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.StartsWith("storage: Queried 2 readers", body.RootElement.GetProperty("errors")[0].GetProperty("msg").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_shard_cancels_the_other_shards_reads_instead_of_waiting_for_them()
    {
        var fanOut = new FanOutSpanReader([new BlockingReader(), new BlockingReader(fail: true)]);
        var e = await Assert.ThrowsAsync<StorageException>(() => fanOut.GetServicesAsync(CancellationToken.None));
        Assert.Equal("Queried 2 readers: 0 responsive, 1 failed (reader 1), 1 cancelled after the failure: connection refused", e.Message);
    }

    [Fact]
    public void Mapping_without_a_reader_fails_saying_what_to_register()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddTraceQuery(new QuerySettings { Endpoint = "127.0.0.1:0" });
        using var app = builder.Build();
        var e = Assert.Throws<InvalidOperationException>(() => app.MapTraceQuery());
        Assert.Contains("no ISpanReader is registered", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_disabled_API_opens_no_listener_and_maps_no_route()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddTraceQuery(new QuerySettings { Enabled = false }, _ => new BlockingReader());
        using var provider = builder.Services.BuildServiceProvider();
        Assert.Null(provider.GetService<QueryEndpoints>());
    }

    /// <summary>Never answers until cancelled, or fails at once, or answers empty at once: a stuck, broken or empty store.</summary>
    private sealed class BlockingReader(bool fail = false, bool answer = false) : ISpanReader
    {
        public Task<IReadOnlyList<string>> GetServicesAsync(CancellationToken cancellationToken) => Block<IReadOnlyList<string>>(cancellationToken);

        public Task<IReadOnlyList<OperationInfo>> GetOperationsAsync(string service, string? spanKind, CancellationToken cancellationToken) => Block<IReadOnlyList<OperationInfo>>(cancellationToken);

        public Task<IReadOnlyList<TraceIdHit>> FindTraceIdsAsync(TraceSearch search, CancellationToken cancellationToken) => Block<IReadOnlyList<TraceIdHit>>(cancellationToken);

        public Task<IReadOnlyList<SpanRecord>> GetSpansAsync(IReadOnlyCollection<string> traceIds, CancellationToken cancellationToken) => Block<IReadOnlyList<SpanRecord>>(cancellationToken);

        public Task<IReadOnlyList<TraceSummaryRecord>> GetTraceSummariesAsync(IReadOnlyCollection<string> traceIds, CancellationToken cancellationToken) => Block<IReadOnlyList<TraceSummaryRecord>>(cancellationToken);

        public Task<IReadOnlyList<DependencyLink>> GetDependenciesAsync(DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken) => Block<IReadOnlyList<DependencyLink>>(cancellationToken);

        private Task<T> Block<T>(CancellationToken cancellationToken)
        {
            if (fail)
            {
                return Task.FromException<T>(new StorageException("connection refused"));
            }
            if (answer)
            {
                return Task.FromResult((T)(object)Array.Empty<string>());
            }
            var pending = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            cancellationToken.Register(() => pending.TrySetCanceled(cancellationToken));
            return pending.Task;
        }
    }
}
