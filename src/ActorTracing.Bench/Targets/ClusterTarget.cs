using System.Globalization;
using System.Net.Http.Headers;
using ActorTracing.Admin;
using ActorTracing.Node.Configuration;
using ActorTracing.Node.Topology;
using ActorTracing.Storage;
using Akka.Configuration;

namespace ActorTracing.Bench;

/// <summary>
/// The nodes of a cluster file running as processes on this machine (started by `bench --cluster`
/// the way `up` starts them). Counters come from each node's /metrics on its admin endpoint, CPU
/// and RSS from each node process's /proc entry, stored rows from every ClickHouse shard of the
/// file over HTTP. Load and probes go to the ingest nodes per <see cref="IngestRouting"/>.
/// Figures are sums over the nodes; a node whose scrape fails keeps its last reading (its counters
/// must not seem to go back), and the failure is counted in <see cref="FailedScrapes"/>.
/// </summary>
public sealed class ClusterTarget : IBenchTarget, IDisposable
{
    public static readonly TimeSpan ScrapeTimeout = TimeSpan.FromSeconds(3);

    private readonly ClusterTopology _topology;
    private readonly string _clusterFile;
    private readonly IReadOnlyList<ClusterNodeHandle> _nodes;
    private readonly StorageSettings _storage;
    private readonly ServerTraceSchema _schema;
    private readonly IReadOnlyList<ClickHouseHttpClient> _shards;
    private readonly HttpClient _http;
    private readonly NodeTrack[] _tracks;
    private readonly PersistenceSettings? _persistence;
    private readonly RedisReading? _redisAtStart;
    private int _idsTables;
    private long _failedScrapes;

    /// <param name="storage">The nodes' storage settings (engine = servers): shards, credentials, the run's database.</param>
    /// <param name="adminToken">Bearer token of the nodes' admin endpoints, when they require one.</param>
    /// <param name="persistence">The nodes' durable decisions (the run's Redis key prefix), when on.</param>
    public ClusterTarget(ClusterTopology topology, string clusterFile, IReadOnlyList<ClusterNodeHandle> nodes, StorageSettings storage, TimeSpan sendDelay, string? adminToken, PersistenceSettings? persistence = null)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(storage);
        if (storage.Engine != StorageEngine.Servers || storage.Shards.Count == 0)
        {
            throw new ArgumentException(
                $"{Path.GetFileName(clusterFile)} lists no services.clickhouse.shards: the bench counts stored spans on the ClickHouse shards and cannot read each node's embedded engine from outside its process",
                nameof(storage));
        }
        _topology = topology;
        _clusterFile = clusterFile;
        _nodes = nodes;
        _storage = storage;
        SendDelay = sendDelay;
        _schema = new ServerTraceSchema(storage.Database, storage.TtlDays);
        _shards = [.. storage.Shards.Select(u => new ClickHouseHttpClient(u, storage.User, storage.Password, storage.RequestTimeout))];
        _http = new HttpClient { Timeout = ScrapeTimeout };
        if (!string.IsNullOrEmpty(adminToken))
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        }
        _tracks = [.. nodes.Select(_ => new NodeTrack())];
        if (persistence is { Enabled: true })
        {
            _persistence = persistence;
            // The run's own Redis (started with the file's services) before the nodes wrote anything much.
            _redisAtStart = ReadRedis(persistence);
        }
        IngestPoints = IngestRouting.FromTopology(new ClusterTopology(topology.Name, topology.SeedNodes, [.. nodes.Select(n => n.Node)], topology.Services));
        if (IngestPoints.Count == 0)
        {
            throw new ArgumentException($"{Path.GetFileName(clusterFile)}: no node has the ingest role, so nothing can receive the load", nameof(nodes));
        }
    }

    public TimeSpan SendDelay { get; }

    public IReadOnlyList<IngestPoint> IngestPoints { get; }

    public TimeSpan ProbePollInterval => TimeSpan.FromMilliseconds(50);

    public string Database => _storage.Database;

    public IReadOnlyList<Uri> Shards => _storage.Shards;

    /// <summary>Scrapes of /metrics that failed or timed out (the node's last reading was used instead).</summary>
    public long FailedScrapes => Interlocked.Read(ref _failedScrapes);

    /// <summary>
    /// The configuration every node of the file starts with (embedded defaults, then
    /// <paramref name="configFile"/>, then the node's part of the file), as NodeHost builds it; the
    /// bench reads the storage, send-delay and admin token the nodes use from it.
    /// </summary>
    public static Config NodeConfig(ClusterTopology topology, string? configFile, string dataRoot)
    {
        ArgumentNullException.ThrowIfNull(topology);
        return HoconDefaults.Load(configFile, rulesFile: null, overrides: null, topology.ToHocon(topology.Nodes[0].Name, dataRoot));
    }

    /// <summary>A target over <paramref name="nodes"/> with the storage, send-delay and admin token of <paramref name="nodeConfig"/>.</summary>
    public static ClusterTarget Create(ClusterTopology topology, string clusterFile, IReadOnlyList<ClusterNodeHandle> nodes, Config nodeConfig)
    {
        ArgumentNullException.ThrowIfNull(nodeConfig);
        return new ClusterTarget(
            topology,
            clusterFile,
            nodes,
            StorageSettings.Create(nodeConfig),
            nodeConfig.GetTimeSpan("actortracing.trace.send-delay", TimeSpan.FromSeconds(2)),
            AdminSettings.Create(nodeConfig).Token,
            PersistenceSettings.Create(nodeConfig));
    }

    public BenchTarget Describe()
    {
        var regions = _nodes.Select(n => n.Node.Region).Distinct().ToArray();
        var byRegion = string.Join("; ", regions.Select(r => $"{r}: {string.Join(", ", _nodes.Where(n => n.Node.Region == r).Select(n => n.Node.Name))}"));
        return new BenchTarget
        {
            Kind = BenchTarget.ClusterKind,
            Description = $"cluster '{_topology.Name}' ({Path.GetFileName(_clusterFile)}): {_nodes.Count} node processes in {regions.Length} regions ({byRegion})",
            ClusterFile = _clusterFile,
            Regions = regions,
            Storage = $"{_shards.Count} ClickHouse server shard{(_shards.Count == 1 ? string.Empty : "s")} ({string.Join(", ", _storage.Shards)}), database {_storage.Database}"
                + (_topology.Services.Redis is { } redis ? $"; decisions durable in Redis {redis}" : string.Empty),
            LoadRouting = "by traffic-model region: " + IngestRouting.DescribeRoutes(IngestPoints, IngestRouting.Routes(IngestPoints, "http", IngestRouting.ModelRegions)),
            Nodes = [.. _nodes.Select((n, i) => _tracks[i].Describe(n))],
        };
    }

    /// <summary>
    /// With durable decisions: the run's decision keys, Redis's used memory above the start and its
    /// CPU since (the report's sizing figures); null without. Reads Redis (a SCAN of the run's
    /// keys), so it is called once, for the report, not by <see cref="Describe"/>.
    /// </summary>
    public DecisionStoreUsage? DecisionStore()
    {
        if (_persistence is not { } persistence)
        {
            return null;
        }
        var end = ReadRedis(persistence);
        var start = _redisAtStart ?? end;
        return end.Error is not null
            ? new DecisionStoreUsage(persistence.Redis, 0, 0, end.Error)
            : new DecisionStoreUsage(persistence.Redis, end.DecisionKeys, Math.Max(0, end.Used - start.Used))
            {
                CpuSeconds = start.Error is null ? end.CpuSeconds - start.CpuSeconds : null,
                Seconds = (end.At - start.At).TotalSeconds,
            };
    }

    private sealed record RedisReading(long Used, long DecisionKeys, double CpuSeconds, DateTime At, string? Error);

    /// <summary>
    /// Redis's used memory, its CPU time (user + system, from INFO cpu: no process id needed) and
    /// the number of decision keys under the run's prefix (one string key per decision,
    /// single-event layout); never throws — a Redis gone at the end is reported, not fatal.
    /// </summary>
    private static RedisReading ReadRedis(PersistenceSettings persistence)
    {
        try
        {
            var options = StackExchange.Redis.ConfigurationOptions.Parse(persistence.Redis);
            options.ConnectTimeout = 3000;
            options.SyncTimeout = 10_000;
            options.AllowAdmin = true;
            using var connection = StackExchange.Redis.ConnectionMultiplexer.Connect(options);
            var server = connection.GetServer(connection.GetEndPoints()[0]);
            var info = server.Info().SelectMany(g => g).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
            double Seconds(string key) => double.Parse(info[key], CultureInfo.InvariantCulture);
            var pattern = ActorTracing.Persistence.Redis.RedisJournal.SingleEventKeyPattern(persistence.KeyPrefix, ActorTracing.Actors.Traces.TraceShardActor.PersistenceIdPrefix);
            var keys = server.Keys(pattern: pattern, pageSize: 5000).LongCount();
            return new RedisReading(long.Parse(info["used_memory"], CultureInfo.InvariantCulture), keys, Seconds("used_cpu_user") + Seconds("used_cpu_sys"), DateTime.UtcNow, null);
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException or InvalidOperationException or FormatException or KeyNotFoundException)
        {
            return new RedisReading(0, 0, 0, DateTime.UtcNow, e.Message);
        }
    }

    /// <summary>Waits until every node sees every node of the target Up (the cluster formed and sharding can place traces anywhere).</summary>
    /// <exception cref="TimeoutException">Not formed within <paramref name="timeout"/>; says what each node saw.</exception>
    public async Task WaitFormedAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var scrapes = await Task.WhenAll(_nodes.Select(n => ScrapeAsync(n, cancellationToken))).ConfigureAwait(false);
            var up = scrapes.Select(s => s is null ? -1 : (int)s.Sum("actortracing_cluster_members", "status", "up")).ToArray();
            if (up.All(u => u == _nodes.Count))
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(
                    $"the cluster did not form within {timeout.TotalSeconds:0}s: members up as each node sees them: " +
                    string.Join(", ", _nodes.Select((n, i) => $"{n.Node.Name} {(up[i] < 0 ? "no answer" : up[i].ToString(CultureInfo.InvariantCulture))}/{_nodes.Count}")));
            }
            await Task.Delay(500, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<NodeSample> SampleAsync(double seconds, string phase, CancellationToken cancellationToken)
    {
        var scrapes = await Task.WhenAll(_nodes.Select(n => ScrapeAsync(n, cancellationToken))).ConfigureAwait(false);
        var readings = new NodeReading[_nodes.Count];
        ProcSnapshot machine = default;
        for (var i = 0; i < _nodes.Count; i++)
        {
            var proc = ProcReader.Read(_nodes[i].Pid);
            machine = proc;
            readings[i] = _tracks[i].Update(scrapes[i], proc);
        }
        double Sum(Func<NodeReading, double> f) => readings.Sum(f);
        var received = (long)Sum(r => r.Received);
        var buffered = (long)Sum(r => r.BufferedSpans);
        return new NodeSample(
            Math.Round(seconds, 3),
            phase,
            received,
            buffered,
            (long)Sum(r => r.BufferedBytes),
            (long)Sum(r => r.BufferedTraces),
            (long)Sum(r => r.DecidedTraces),
            // Spans in flight between an ingest node and their TraceActor's node are in neither
            // gauge for a moment; they count as decided until they land.
            received - buffered,
            (long)Sum(r => r.KeptSpans),
            (long)Sum(r => r.RowsWritten),
            (long)Sum(r => r.PendingRows),
            Sum(r => r.DecisionLatencySeconds) * 1000,
            (long)Sum(r => r.RssBytes),
            (long)Sum(r => r.GcHeapBytes),
            Sum(r => r.CpuSeconds),
            machine.MachineBusyJiffies,
            machine.MachineTotalJiffies,
            // The mean node's: a GC pause stalls one process, not the cluster.
            Sum(r => r.GcPauseSeconds) * 1000 / _nodes.Count);
    }

    public async Task<long> CountRowsAsync(CancellationToken cancellationToken)
    {
        var counts = await Task.WhenAll(_shards.Select(s => s.QueryAsync($"SELECT count() FROM {_schema.QualifiedTracesTable}", "TabSeparated", cancellationToken))).ConfigureAwait(false);
        return counts.Sum(c => long.Parse(c.Trim(), CultureInfo.InvariantCulture));
    }

    public async Task<IReadOnlyDictionary<string, StoredTrace>> StoredTracesAsync(IReadOnlyCollection<string> traceIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(traceIds);
        var found = new Dictionary<string, StoredTrace>(StringComparer.Ordinal);
        if (traceIds.Count == 0)
        {
            return found;
        }
        // Every trace lives whole on one shard (hash of its id), but which one is the writer's
        // business: ask them all.
        var answers = await Task.WhenAll(_shards.Select(s => StoredTracesOnShardAsync(s, traceIds, cancellationToken))).ConfigureAwait(false);
        foreach (var tsv in answers)
        {
            StoredTraceQuery.ParseInto(tsv, found);
        }
        return found;
    }

    public async Task<StorageResult> MeasureStorageAsync(CancellationToken cancellationToken)
    {
        StorageStats total = StorageStats.Empty;
        foreach (var shard in _shards)
        {
            await shard.ExecuteAsync($"OPTIMIZE TABLE {_schema.QualifiedTracesTable} FINAL", cancellationToken).ConfigureAwait(false);
            var s = await new ServerSpanStore(shard, _schema).GetStatsAsync(cancellationToken).ConfigureAwait(false);
            total = new StorageStats(total.Rows + s.Rows, total.BytesOnDisk + s.BytesOnDisk, total.CompressedBytes + s.CompressedBytes, total.UncompressedBytes + s.UncompressedBytes);
        }
        return new StorageResult(
            total.Rows, total.BytesOnDisk, total.CompressedBytes, total.UncompressedBytes,
            total.Rows == 0 ? 0 : Math.Round((double)total.BytesOnDisk / total.Rows, 1),
            Math.Round(total.CompressionRatio, 2),
            $"{_shards.Count} ClickHouse server shard{(_shards.Count == 1 ? string.Empty : "s")}, 18.16 schema");
    }

    /// <summary>A raw-insert sink on the first shard, in a scratch database, for the physical-limit probe.</summary>
    public IRawInsertSink RawInsertSink(string scratchDatabase) => new ServerInsertSink(_shards[0], scratchDatabase);

    /// <summary>
    /// Drops the run's database on every shard, in parallel (best effort: a shard that does not
    /// answer within <paramref name="timeout"/> keeps it, and is named in the result).
    /// </summary>
    public async Task<IReadOnlyList<string>> DropDatabaseAsync(TimeSpan timeout)
    {
        // Not the shards' clients: 18.16 deletes every part directory of the run (thousands of
        // files) before it answers, measured at 15-30+ s on a busy disk, past the request timeout.
        var failures = await Task.WhenAll(_storage.Shards.Select(async shard =>
        {
            using var client = new ClickHouseHttpClient(shard, _storage.User, _storage.Password, timeout);
            try
            {
                await client.ExecuteAsync($"DROP DATABASE IF EXISTS `{_storage.Database}`", CancellationToken.None).ConfigureAwait(false);
                return null;
            }
            catch (StorageException e)
            {
                return $"{shard}: {e.Message}";
            }
        })).ConfigureAwait(false);
        return [.. failures.OfType<string>()];
    }

    public void Dispose()
    {
        _http.Dispose();
        foreach (var s in _shards)
        {
            s.Dispose();
        }
    }

    private async Task<string> StoredTracesOnShardAsync(ClickHouseHttpClient shard, IReadOnlyCollection<string> traceIds, CancellationToken cancellationToken)
    {
        if (traceIds.Count <= StoredTraceQuery.MaxInlineIds)
        {
            return await shard.QueryAsync(StoredTraceQuery.Inline(_schema.QualifiedTracesTable, traceIds), "TabSeparated", cancellationToken).ConfigureAwait(false);
        }
        var ids = $"`{_storage.Database}`.bench_ids_{Interlocked.Increment(ref _idsTables).ToString(CultureInfo.InvariantCulture)}";
        await shard.ExecuteAsync(StoredTraceQuery.CreateIdsTable(ids), cancellationToken).ConfigureAwait(false);
        try
        {
            await shard.InsertAsync($"INSERT INTO {ids}", "TabSeparated", StoredTraceQuery.IdsTsv(traceIds), cancellationToken).ConfigureAwait(false);
            return await shard.QueryAsync(StoredTraceQuery.ViaTable(_schema.QualifiedTracesTable, ids), "TabSeparated", cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await shard.ExecuteAsync($"DROP TABLE IF EXISTS {ids}", CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<MetricsText?> ScrapeAsync(ClusterNodeHandle node, CancellationToken cancellationToken)
    {
        var url = new Uri($"http://{node.Node.Host}:{node.Node.AdminPort.ToString(CultureInfo.InvariantCulture)}/metrics");
        try
        {
            var text = await _http.GetStringAsync(url, cancellationToken).ConfigureAwait(false);
            return MetricsText.Parse(text);
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            Interlocked.Increment(ref _failedScrapes);
            return null;
        }
    }

    /// <summary>What one node read last, and its first and peak readings for the per-node table.</summary>
    private sealed class NodeTrack
    {
        private readonly Lock _gate = new();
        private NodeReading? _first;
        private NodeReading _last = new();
        private long _peakRss;
        private long _peakUnconfirmed;

        public NodeReading Update(MetricsText? metrics, ProcSnapshot proc)
        {
            lock (_gate)
            {
                // A failed scrape or an exited process keeps the last values: a counter that seems
                // to go back would read as a node restart in the timeline.
                var next = _last with
                {
                    CpuSeconds = proc.RssBytes > 0 ? proc.CpuSeconds : _last.CpuSeconds,
                    RssBytes = proc.RssBytes > 0 ? proc.RssBytes : _last.RssBytes,
                };
                if (metrics is not null)
                {
                    next = next with
                    {
                        Received = metrics.Sum("actortracing_spans_received_total"),
                        BufferedSpans = metrics.Sum("actortracing_buffered_spans"),
                        BufferedBytes = metrics.Sum("actortracing_buffered_bytes"),
                        BufferedTraces = metrics.Sum("actortracing_buffered_traces"),
                        DecidedTraces = metrics.Sum("actortracing_decisions_total"),
                        KeptSpans = metrics.Sum("actortracing_spans_kept_total"),
                        RowsWritten = metrics.Sum("actortracing_storage_rows_written_total"),
                        PendingRows = metrics.Sum("actortracing_storage_pending_rows"),
                        DecisionLatencySeconds = metrics.Sum("actortracing_decision_latency_seconds_sum"),
                        GcHeapBytes = metrics.Sum("dotnet_total_memory_bytes"),
                        GcPauseSeconds = metrics.Sum("dotnet_gc_pause_time_seconds_total"),
                        Unconfirmed = metrics.Sum("actortracing_redelivery_unconfirmed_messages"),
                        Redelivered = metrics.Sum("actortracing_redelivered_messages_total"),
                    };
                }
                _first ??= next;
                _last = next;
                _peakRss = Math.Max(_peakRss, next.RssBytes);
                _peakUnconfirmed = Math.Max(_peakUnconfirmed, (long)next.Unconfirmed);
                return next;
            }
        }

        public BenchTargetNode Describe(ClusterNodeHandle node)
        {
            lock (_gate)
            {
                var first = _first ?? _last;
                return new BenchTargetNode(
                    node.Node.Name, node.Node.Region, node.Node.Roles, node.Pid,
                    Math.Round(_last.CpuSeconds - first.CpuSeconds, 2), _peakRss,
                    (long)(_last.Received - first.Received), (long)(_last.RowsWritten - first.RowsWritten),
                    Math.Round(_last.GcPauseSeconds - first.GcPauseSeconds, 2))
                {
                    PeakUnconfirmed = _peakUnconfirmed,
                    Redelivered = (long)(_last.Redelivered - first.Redelivered),
                };
            }
        }
    }

    private sealed record NodeReading
    {
        public double Received { get; init; }

        public double BufferedSpans { get; init; }

        public double BufferedBytes { get; init; }

        public double BufferedTraces { get; init; }

        public double DecidedTraces { get; init; }

        public double KeptSpans { get; init; }

        public double RowsWritten { get; init; }

        public double PendingRows { get; init; }

        public double DecisionLatencySeconds { get; init; }

        public double GcHeapBytes { get; init; }

        public double GcPauseSeconds { get; init; }

        public double CpuSeconds { get; init; }

        public long RssBytes { get; init; }

        public double Unconfirmed { get; init; }

        public double Redelivered { get; init; }
    }
}
