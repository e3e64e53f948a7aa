using ActorTracing.Actors.Cluster;
using ActorTracing.Actors.Groups;
using ActorTracing.Admin;
using ActorTracing.Actors.Sampling;
using ActorTracing.Actors.Traces;
using ActorTracing.Domain.Decisions;
using ActorTracing.Domain.Sampling;
using ActorTracing.Ingest;
using ActorTracing.Ingest.Wal;
using ActorTracing.Node.Configuration;
using ActorTracing.Node.Pipeline;
using ActorTracing.Node.Topology;
using ActorTracing.Persistence.Redis;
using ActorTracing.Protocol.Ingress;
using ActorTracing.Protocol.Pipeline;
using ActorTracing.Protocol.Serialization;
using ActorTracing.Protocol.Traces;
using ActorTracing.Query;
using ActorTracing.Storage;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorTracing.Node.Hosting;

/// <summary>
/// One running node: OTLP receivers (Kestrel) → sharded TraceActors (Akka.Cluster.Hosting) →
/// storage writer (Akka.Streams → embedded engine). Composition only; each piece is configured
/// from its own HOCON section and validated before anything starts.
/// </summary>
public sealed class NodeHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private readonly EmbeddedSpanStore? _store;

    private readonly Timer? _mergeThreadNice;
    private readonly MemoryReleaser? _memoryReleaser;

    private NodeHost(WebApplication app, Config config, NodeSettings node, IngestSettings ingest, StorageSettings storage, PipelineGauges gauges, StorageWriterHolder storageHolder, EmbeddedSpanStore? store, bool hostsTraces, Timer? mergeThreadNice, MemoryReleaser? memoryReleaser)
    {
        _app = app;
        _mergeThreadNice = mergeThreadNice;
        _memoryReleaser = memoryReleaser;
        HostsTraces = hostsTraces;
        Config = config;
        Settings = node;
        Ingest = ingest;
        Storage = storage;
        Gauges = gauges;
        StorageHolder = storageHolder;
        _store = store;
    }

    public Config Config { get; }

    public NodeSettings Settings { get; }

    public IngestSettings Ingest { get; }

    public StorageSettings Storage { get; }

    public PipelineGauges Gauges { get; }

    public StorageWriterHolder StorageHolder { get; }

    /// <summary>The embedded engine; opened on nodes that host TraceActors or serve queries.</summary>
    public EmbeddedSpanStore Store => _store ?? throw new InvalidOperationException($"node '{Settings.Region}' opened no storage: it has neither the process nor the query role");

    /// <summary>True on processing nodes (TraceActors live here); false on ingest-only nodes (a proxy).</summary>
    public bool HostsTraces { get; }

    /// <summary>ASP.NET Core's per-request logging category, switched off (see <see cref="StartAsync"/>).</summary>
    public const string HostingDiagnosticsCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    public IServiceProvider Services => _app.Services;

    public ActorSystem System => _app.Services.GetRequiredService<ActorSystem>();

    /// <summary>The addresses Kestrel actually bound (ports resolved when 0 was configured).</summary>
    public IReadOnlyList<string> Addresses =>
        _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];

    /// <summary>The Redis journal and snapshot store of durable decisions.</summary>
    public static RedisPersistenceOptions RedisOptions(PersistenceSettings persistence)
    {
        ArgumentNullException.ThrowIfNull(persistence);
        var redis = new RedisPersistenceOptions { ConfigurationString = persistence.Redis, KeyPrefix = persistence.KeyPrefix };
        redis.KeyTtlByPrefix[TraceShardActor.PersistenceIdPrefix] = persistence.DecisionTtl;
        // One decision per trace id, ever: one string key per trace instead of a sorted set and a
        // sequence-nr key (355 B of Redis memory per decision instead of 1,371).
        redis.SingleEventPrefixes.Add(TraceShardActor.PersistenceIdPrefix);
        return redis;
    }

    /// <summary>
    /// Sources that wait for decisions — Kafka ingest that commits once decided, and the OTLP
    /// write-ahead log — get their messages' receipts from redelivery (a local shard then tells
    /// the wait directly; another node's owner confirms through redelivery's actor). With
    /// redelivery off no message can carry one and every such submit would fail, so the start
    /// fails instead, naming the keys.
    /// </summary>
    internal static void RequireRedeliveryForDecisionWaits(IngestSettings ingest, NodeSettings node)
    {
        if (node.RedeliveryEnabled)
        {
            return;
        }
        if (ingest.Kafka.Enabled && ingest.Kafka.CommitsAfterDecision)
        {
            throw new ConfigurationException(
                $"{KafkaIngestSettings.Section}.commit-after = {KafkaIngestSettings.CommitAfterDecided} needs actortracing.node.redelivery.enabled = on (its actor takes the owners' confirmations); turn redelivery on or set commit-after = {KafkaIngestSettings.CommitAfterAccepted}");
        }
        if (ingest.WriteAheadLog.Enabled)
        {
            throw new ConfigurationException(
                $"{IngestLogSettings.Section}.enabled = on needs actortracing.node.redelivery.enabled = on (its actor takes the owners' confirmations); turn redelivery on or the write-ahead log off");
        }
    }

    /// <summary>
    /// One section's settings. Each section validates its own values, some throwing
    /// <see cref="ArgumentException"/>, the trace section <see cref="SettingsException"/> and the
    /// sampling rules <see cref="SamplingConfigException"/>, all naming the full key: a value one
    /// refuses is a configuration error (the CLI's exit 3 and one line naming the key), not an
    /// unhandled exception that takes the process down with a trace.
    /// </summary>
    internal static T Read<T>(Func<Config, T> create, Config config)
    {
        try
        {
            return create(config);
        }
        catch (Exception e) when (e is ArgumentException or SettingsException or SamplingConfigException or FormatException)
        {
            throw new ConfigurationException(e.Message, e);
        }
    }

    public static async Task<NodeHost> StartAsync(NodeOptions options, CancellationToken cancellationToken = default)
    {
        string? topology = null;
        if (options.ClusterFile is not null)
        {
            var nodeName = options.NodeName ?? throw new ArgumentException("a node name is required with a cluster file (--node iad-1)", nameof(options));
            topology = ClusterTopologyLoader.Load(options.ClusterFile).ToHocon(nodeName, options.DataRoot);
        }
        var config = HoconDefaults.Load(options.ConfigFile, options.RulesFile, options.Overrides, topology);
        var node = Read(NodeSettings.Create, config);
        var trace = Read(TraceActorSettings.Create, config);
        var ingest = Read(IngestSettings.Create, config) with { Region = node.Region };
        var storage = Read(StorageSettings.Create, config);
        var persistence = Read(PersistenceSettings.Create, config);
        var rules = Read(SamplingRulesConfig.Parse, config);
        var hostsTraces = trace.Role.Length == 0 || node.HasRole(trace.Role);
        if (persistence.Enabled)
        {
            trace = trace with { DurableDecisions = true };
        }
        RequireRedeliveryForDecisionWaits(ingest, node);
        // This node's outcome sink stores kept spans: their senders' receipts are owed once written.
        trace = trace with { ConfirmAfterStored = true };

        var query = Read(QuerySettings.Create, config);
        var admin = Read(c => AdminSettings.Create(c), config);
        var servesQueries = query.Enabled && node.HasRole("query");

        var gauges = new PipelineGauges();
        var holder = new StorageWriterHolder();
        // Embedded: this process's own engine. Servers: every shard, schema created up front so a
        // misconfigured shard fails the start with its name rather than the first batch.
        EmbeddedSpanStore? store = null;
        IReadOnlyList<ISpanStore> stores = [];
        if (hostsTraces || servesQueries)
        {
            if (storage.Engine == StorageEngine.Servers)
            {
                stores = await storage.OpenShardsAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                store = await EmbeddedSpanStore.OpenAsync(storage, cancellationToken).ConfigureAwait(false);
                stores = [store];
            }
        }

        var builder = SlimWebHost.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // A collection that returns a burst's memory is rare and explains a pause and a drop in RSS.
        builder.Logging.AddFilter(typeof(MemoryReleaser).FullName, LogLevel.Information);
        // ASP.NET Core starts an Activity, a logging scope and their ids for every request as soon
        // as its hosting category is enabled at any level, only to log "request starting/finished"
        // (Information, filtered out anyway): ~1 MB/s and CPU per request at 200k spans/s. Nothing
        // else is logged in that category; the receivers count and time their requests themselves.
        builder.Logging.AddFilter(HostingDiagnosticsCategory, LogLevel.None);
        builder.Services.AddSingleton(gauges);
        var sampler = new TraceSampler(rules);
        builder.Services.AddSingleton(sampler);
        builder.Services.AddSingleton(new DecisionCache(trace.DecisionCacheSize, trace.DecisionCacheMaxAge, trace.NumberOfShards));
        var latency = new DecisionLatencyHistogram();
        builder.Services.AddSingleton(latency);
        builder.Services.AddSingleton<ITraceOutcomeSink>(new DecisionLatencySink(holder, latency));
        builder.Services.AddSingleton<IStorageStatsSource>(new ShardedStorageStatsSource(holder, stores));
        var homes = new ShardHomes(new TraceMessageExtractor(trace.NumberOfShards));
        builder.Services.AddSingleton(homes);
        var redelivery = node.RedeliveryEnabled ? new Redelivery(homes, node.MaxUnconfirmedBytes, node.RedeliverAfter, trace.Completion.TraceTimeout) : null;
        if (redelivery is not null)
        {
            builder.Services.AddSingleton<IRedeliveryStats>(redelivery);
        }
        builder.Services.AddSingleton<ITraceIngress>(sp =>
            new ShardingIngress(sp.GetRequiredService<ActorRegistry>(), gauges, () => holder.PendingRows, node, homes, redelivery));
        builder.Services.AddOtlpReceivers(ingest);
        if (servesQueries)
        {
            builder.Services.AddSingleton<IPipelineOverviewSource>(sp => new NodeOverviewSource(node, gauges, holder, stores, sp.GetRequiredService<ActorSystem>()));
            builder.Services.AddTraceQuery(query with { Enabled = true }, _ => SpanReaders.For(storage, store, stores, query.QueryTimeout));
        }
        else
        {
            builder.Services.AddTraceQuery(query with { Enabled = false });
        }

        builder.Services.AddAkka(node.SystemName, (akka, _) =>
        {
            akka.AddHocon(config, HoconAddMode.Prepend);
            akka.WithRemoting(node.Hostname, node.Port);
            akka.WithClustering(new ClusterOptions
            {
                Roles = node.Roles.Append("region-" + node.Region).ToArray(),
                SeedNodes = node.SeedNodes.ToArray(),
            });
            akka.WithProtocolSerialization();
            if (persistence.Enabled)
            {
                akka.WithRedisPersistence(RedisOptions(persistence));
            }
            akka.WithTraceSharding(trace, hostsTraces);
            if (trace.Correlation.Enabled)
            {
                akka.WithTraceGroupSharding(trace, hostsTraces);
            }
            akka.WithActors((system, registry) =>
            {
                system.ActorOf(ShardHomeTracker.Props(homes, registry.Get<TraceRegion>(), TraceShardingHostingExtensions.TypeName, trace.Role.Length > 0 ? trace.Role : "process", node.ShardHomesRefresh, hostsTraces ? sampler : null), "shard-homes");
                if (redelivery is not null)
                {
                    system.ActorOf(RedeliveryActor.Props(redelivery, registry.Get<TraceRegion>()), "redelivery");
                }
            });
            akka.AddStartup((system, _) =>
            {
                if (hostsTraces)
                {
                    // Kept traces' receipts are owed once their rows are written (trace.ConfirmAfterStored).
                    var owed = OwedConfirmations.Get(system);
                    holder.Set(ShardedStorageWriter.Start(system, stores, storage), receipts =>
                    {
                        foreach (var receipt in receipts)
                        {
                            owed.Owe(receipt, trace.ConfirmInterval);
                        }
                    });
                }
                // Flush after sharding handed off (and so decided) every in-flight trace.
                CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate, "flush-storage", async () =>
                {
                    if (holder.Writer is { } w)
                    {
                        await w.CompleteAsync().ConfigureAwait(false);
                    }
                    return Akka.Done.Instance;
                });
                if (node.SeedNodes.Count == 0)
                {
                    var cluster = Cluster.Get(system);
                    cluster.Join(cluster.SelfAddress);
                }
            });
        });

        // After AddAkka: hosted services start in registration order and these need the system.
        builder.Services.AddKafkaIngest(ingest);
        builder.Services.AddIngestLog(ingest);
        builder.Services.AddAdminEndpoint(admin);

        var app = builder.Build();
        // Opened now, before anything starts: a directory another node holds fails the start here.
        _ = app.Services.GetService<IngestLog>();
        app.MapOtlpReceivers();
        app.MapTraceQuery();
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<NodeHost>();
        RaiseGcThreadPriority(node.GcThreadNice, log);
        var mergeThreadNice = store is null ? null : LowerMergeThreadPriority(storage.EmbeddedMergeThreadNice, log);
        var memoryReleaser = hostsTraces && node.MemoryReleaseThreshold > 0
            ? MemoryReleaser.Start(() => gauges.SpanSlotsHeld, node.MemoryReleaseThreshold, trace.MemoryTrimInterval, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<MemoryReleaser>())
            : null;
        return new NodeHost(app, config, node, ingest, storage, gauges, holder, store, hostsTraces, mergeThreadNice, memoryReleaser);
    }

    /// <summary>
    /// The embedded engine starts its merge threads when it first merges, so they are looked for
    /// every few seconds (one walk of /proc/self/task, ~100 threads); setting a nice value a
    /// thread already has changes nothing. A refused call stops the sweep: it would be refused again.
    /// </summary>
    private static Timer? LowerMergeThreadPriority(int nice, ILogger log)
    {
        if (nice == 0)
        {
            return null;
        }
        var refused = 0;
        return new Timer(
            _ =>
            {
                if (Volatile.Read(ref refused) == 0 && !SetNice(nice, ChdbEngine.MergeThreadName, "actortracing.storage.embedded-merge-thread-nice", log))
                {
                    Volatile.Write(ref refused, 1);
                }
            },
            null,
            TimeSpan.Zero,
            MergeThreadSweep);
    }

    /// <summary>How often the merge threads are looked for.</summary>
    internal static readonly TimeSpan MergeThreadSweep = TimeSpan.FromSeconds(5);

    private static void RaiseGcThreadPriority(int nice, ILogger log)
    {
        if (nice != 0)
        {
            SetNice(nice, ThreadNice.ServerGcThreadName, "actortracing.node.gc-thread-nice", log);
        }
    }

    /// <summary>Sets the nice value of the threads named <paramref name="threadName"/>; a refusal is a warning naming the setting, never a failed start.</summary>
    private static bool SetNice(int nice, string threadName, string setting, ILogger log)
    {
        var (changed, error) = ThreadNice.Apply(nice, threadName);
        if (error is null)
        {
            return true;
        }
        log.LogWarning("{Setting} = {Nice} not applied ({Changed} threads named '{Thread}' changed): {Error}", setting, nice, changed, threadName, error);
        return false;
    }

    /// <summary>
    /// Stops ingest first (no new spans), then leaves the cluster: sharding hands off every shard,
    /// each TraceActor decides what it holds (reason hand_off), and storage flushes last.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _app.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _memoryReleaser?.Dispose();
        if (_mergeThreadNice is not null)
        {
            await _mergeThreadNice.DisposeAsync().ConfigureAwait(false);
        }
        await StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
