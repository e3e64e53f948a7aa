using ActorTracing.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorTracing.Query.Tests;

/// <summary>The query API and UI on a real Kestrel listener (a free loopback port) over a reader, as a node hosts them.</summary>
internal sealed class QueryServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private QueryServer(WebApplication app, Uri baseUri)
    {
        _app = app;
        BaseUri = baseUri;
        Client = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(60) };
    }

    public Uri BaseUri { get; }

    public HttpClient Client { get; }

    public static async Task<QueryServer> StartAsync(ISpanReader reader, QuerySettings? settings = null, IPipelineOverviewSource? overview = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddTraceQuery((settings ?? new QuerySettings()) with { Endpoint = "127.0.0.1:0" }, _ => reader);
        if (overview is not null)
        {
            builder.Services.AddSingleton(overview);
        }
        var app = builder.Build();
        app.MapTraceQuery();
        await app.StartAsync();
        var uri = app.Services.GetRequiredService<QueryEndpoints>().Uri ?? throw new InvalidOperationException("the query listener did not bind");
        return new QueryServer(app, uri);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
