using ActorTracing.Protocol.Ingress;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorTracing.Ingest.Tests;

/// <summary>A real Kestrel with both receivers on loopback ephemeral ports and a recording ingress.</summary>
internal sealed class ReceiverHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ReceiverHost(WebApplication app, RecordingIngress ingress)
    {
        _app = app;
        Ingress = ingress;
    }

    public RecordingIngress Ingress { get; }

    public IngestCounters Counters => _app.Services.GetRequiredService<IngestCounters>();

    public T Service<T>() where T : notnull => _app.Services.GetRequiredService<T>();

    public OtlpReceiverEndpoints Endpoints => _app.Services.GetRequiredService<OtlpReceiverEndpoints>();

    public Uri HttpUri => Endpoints.HttpUri ?? throw new InvalidOperationException("HTTP receiver not bound");

    public Uri GrpcUri => Endpoints.GrpcUri ?? throw new InvalidOperationException("gRPC receiver not bound");

    public static IngestSettings TestSettings(int maxRequestBytes = IngestSettings.DefaultMaxRequestBytes) => new()
    {
        GrpcEndpoint = "127.0.0.1:0",
        HttpEndpoint = "127.0.0.1:0",
        Region = "test-region",
        MaxRequestBytes = maxRequestBytes,
    };

    /// <param name="log">A write-ahead log the receivers write to (the test owns and disposes it).</param>
    public static async Task<ReceiverHost> StartAsync(IngestSettings? settings = null, ActorTracing.Ingest.Wal.IngestLog? log = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var ingress = new RecordingIngress();
        builder.Services.AddSingleton<ITraceIngress>(ingress);
        if (log is not null)
        {
            builder.Services.AddSingleton(log);
        }
        builder.Services.AddOtlpReceivers(settings ?? TestSettings());
        var app = builder.Build();
        app.MapOtlpReceivers();
        await app.StartAsync();
        return new ReceiverHost(app, ingress);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
