using ActorTracing.Domain;
using static ActorTracing.Workload.EdgeCatalog;

namespace ActorTracing.Workload;

/// <summary>
/// Generates the traffic of a global edge/serverless platform, one trace at a time: requests enter
/// a PoP in one of several regions and become API calls, static-asset fetches, edge-function
/// invocations or health probes, with errors, slow requests and cross-region fragments in the
/// proportions of <see cref="EdgeTrafficOptions"/>. Deterministic for a seed and a sequence of end
/// times, so a failing benchmark or test can be replayed exactly.
/// </summary>
/// <remarks>
/// Not thread-safe: it reuses per-trace scratch arrays so the only allocations per span are the
/// <see cref="SpanDetail"/> and its attribute array. Run one model per producer.
/// </remarks>
public sealed class EdgeTrafficModel
{
    /// <summary>The largest trace the model generates (an API call with 12 spans).</summary>
    public const int MaxSpansPerTrace = 12;

    /// <summary>Traces slower than this at the root are the "slow" ones sampling rules must keep.</summary>
    public static readonly TimeSpan SlowThreshold = TimeSpan.FromSeconds(2);

    private const long Ms = 1_000_000;
    private const uint SampledFlag = 0x01;
    private const uint HasIsRemoteFlag = 0x100;
    private const uint IsRemoteFlag = 0x200;

    private static readonly int[] ApiStatusCodes = [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 201, 204, 304, 400, 401, 404];
    private static readonly int[] StaticStatusCodes = [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 304, 304, 404];
    private static readonly int[] FunctionStatusCodes = [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 302, 404];
    private static readonly int[] ErrorStatusCodes = [500, 502, 503, 504];
    private static readonly int[] OriginServices = [UsersService, OrdersService, CatalogService];
    private static readonly KeyValuePair<string, AttributeValue>[] FollowsFrom = [Str("link.type", "follows_from")];
    private static readonly string[] AssetNames = ["app", "vendor", "runtime", "checkout", "styles", "theme", "logo", "hero", "product-card", "icons"];
    private static readonly string[] AssetExtensions = ["js", "js", "js", "js", "css", "css", "png", "png", "png", "png"];

    private readonly EdgeTrafficOptions _options;
    private readonly FastRandom _rng;
    private readonly EdgeResource[] _resources;
    private readonly string[][] _apiPaths;
    private readonly string[] _assetPaths;
    private readonly long[] _assetSizes;
    private readonly string[] _clientAddresses;
    private readonly string[] _serviceHosts;
    private readonly string[] _postgresHosts;
    private readonly string[] _redisHosts;
    private readonly string[] _popHosts;
    private readonly IReadOnlyList<string>[] _singleRegion;
    private readonly double[] _regionCumulative;
    private readonly double _pError;
    private readonly double _pSlow;
    private readonly double _pCross;

    // Scratch for the trace being built; parents always precede children (parent index < index).
    private readonly NodeKind[] _kind = new NodeKind[MaxSpansPerTrace];
    private readonly int[] _parent = new int[MaxSpansPerTrace];
    private readonly int[] _service = new int[MaxSpansPerTrace];
    private readonly int[] _region = new int[MaxSpansPerTrace];
    private readonly int[] _childCount = new int[MaxSpansPerTrace];
    private readonly int[] _childOrdinal = new int[MaxSpansPerTrace];
    private readonly long[] _start = new long[MaxSpansPerTrace];
    private readonly long[] _end = new long[MaxSpansPerTrace];
    private readonly ulong[] _spanIds = new ulong[MaxSpansPerTrace];
    private readonly bool[] _errorChain = new bool[MaxSpansPerTrace];
    private readonly List<KeyValuePair<string, AttributeValue>> _attributes = new(16);
    private int _count;

    // Per-trace choices the span builders read.
    private TraceCategory _category;
    private ApiRoute _route = ApiRoutes[0];
    private string _path = string.Empty;
    private EdgeFunction _function = EdgeFunctions[0];
    private int _asset;
    private string _userAgent = string.Empty;
    private string _clientAddress = string.Empty;
    private int _statusCode;
    private int _errorCode;
    private int _errorNode;
    private bool _coldStart;

    private TraceId _previousTrace;
    private SpanId _previousRoot;

    public EdgeTrafficModel(long seed, EdgeTrafficOptions? options = null)
    {
        _options = options ?? EdgeTrafficOptions.Default;
        _options.Validate();
        _rng = new FastRandom(seed);
        _resources = BuildResources();

        var nonHealth = 1 - _options.HealthCheckRate;
        _pError = _options.ErrorRate / nonHealth;
        _pSlow = _options.SlowRate / nonHealth;
        _pCross = _options.CrossRegionRate / nonHealth;

        _regionCumulative = new double[RegionWeights.Length];
        var total = 0.0;
        for (var i = 0; i < RegionWeights.Length; i++)
        {
            total += RegionWeights[i];
            _regionCumulative[i] = total;
        }

        // Value pools are drawn from the seed too, so the same seed yields byte-identical requests.
        _apiPaths = new string[ApiRoutes.Length][];
        for (var r = 0; r < ApiRoutes.Length; r++)
        {
            var paths = new string[32];
            for (var i = 0; i < paths.Length; i++)
            {
                var id = _rng.Next(1, 9_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
                paths[i] = ApiRoutes[r].Route.Replace("{id}", id, StringComparison.Ordinal);
            }
            _apiPaths[r] = paths;
        }
        _assetPaths = new string[64];
        _assetSizes = new long[64];
        for (var i = 0; i < _assetPaths.Length; i++)
        {
            var kind = i % AssetNames.Length;
            var hash = _rng.NextULong().ToString("x8", System.Globalization.CultureInfo.InvariantCulture)[..8];
            _assetPaths[i] = $"/assets/{AssetNames[kind]}.{hash}.{AssetExtensions[kind]}";
            _assetSizes[i] = AssetExtensions[kind] == "png" ? _rng.NextLong(8_000, 900_000) : _rng.NextLong(2_000, 400_000);
        }
        _clientAddresses = new string[128];
        string[] documentationNets = ["203.0.113.", "198.51.100.", "192.0.2."];
        for (var i = 0; i < _clientAddresses.Length; i++)
        {
            _clientAddresses[i] = documentationNets[i % 3] + _rng.Next(1, 254).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        _serviceHosts = new string[Services.Length];
        for (var s = 0; s < Services.Length; s++)
        {
            _serviceHosts[s] = Services[s].Name + ".svc.internal";
        }
        _postgresHosts = new string[RegionCodes.Length];
        _redisHosts = new string[RegionCodes.Length];
        _popHosts = new string[RegionCodes.Length];
        _singleRegion = new IReadOnlyList<string>[RegionCodes.Length];
        for (var r = 0; r < RegionCodes.Length; r++)
        {
            _postgresHosts[r] = $"pg-primary.{RegionCodes[r]}.internal";
            _redisHosts[r] = $"redis.{RegionCodes[r]}.internal";
            _popHosts[r] = $"{RegionCodes[r]}-pop.edge.internal";
            _singleRegion[r] = [RegionCodes[r]];
        }
    }

    private enum NodeKind : byte
    {
        ApiRoot,
        ApiGateway,
        OriginService,
        DbQuery,
        CacheGet,
        AuthCheck,
        StaticRoot,
        CacheLookup,
        OriginStorage,
        FunctionRoot,
        FunctionRuntime,
        KvGet,
        HealthRoot,
    }

    public EdgeTrafficOptions Options => _options;

    /// <summary>The region codes, which are also the <c>cloud.region</c> resource values.</summary>
    public static IReadOnlyList<string> Regions => RegionCodes;

    /// <summary>Every (service, region) resource the model exports from; <see cref="EdgeResource.Index"/> indexes it.</summary>
    public IReadOnlyList<EdgeResource> Resources => _resources;

    /// <summary>
    /// Generates the next trace, its root ending at <paramref name="endUnixNano"/> (the moment the
    /// edge finished the request and would export it).
    /// </summary>
    public TraceScenario NextTrace(ulong endUnixNano)
    {
        var rootRegion = PickRegion();
        _category = PickCategory();
        var health = _category == TraceCategory.HealthCheck;
        var isError = !health && _rng.Chance(_pError);
        var isSlow = !health && _rng.Chance(_pSlow);
        var crossRegion = !health && _rng.Chance(_pCross);

        _count = 0;
        _userAgent = _rng.Pick(UserAgents);
        _clientAddress = _rng.Pick(_clientAddresses);
        _coldStart = false;
        var remote = _category switch
        {
            TraceCategory.Api => BuildApi(crossRegion),
            TraceCategory.Static => BuildStatic(crossRegion),
            TraceCategory.EdgeFunction => BuildEdgeFunction(crossRegion),
            _ => BuildHealth(),
        };

        var remoteRegion = remote >= 0 ? PickRemoteRegion(rootRegion) : rootRegion;
        _region[0] = rootRegion;
        for (var i = 1; i < _count; i++)
        {
            _region[i] = i == remote ? remoteRegion : _region[_parent[i]];
        }

        Array.Clear(_errorChain, 0, _count);
        _errorNode = -1;
        if (isError)
        {
            // Errors start at a downstream span (a db timeout, an upstream reset) and surface as a
            // 5xx on every server span up to the root, as instrumented services report them.
            _errorNode = _count == 1 ? 0 : _rng.Next(1, _count - 1);
            for (var j = _errorNode; j >= 0; j = _parent[j])
            {
                _errorChain[j] = true;
            }
            _errorCode = _rng.Pick(ErrorStatusCodes);
        }
        _statusCode = _category switch
        {
            TraceCategory.Api => _rng.Pick(ApiStatusCodes),
            TraceCategory.Static => _rng.Pick(StaticStatusCodes),
            TraceCategory.EdgeFunction => _rng.Pick(FunctionStatusCodes),
            _ => 200,
        };

        var rootDuration = PickRootDuration(isSlow, remote >= 0);
        LayOut(rootDuration);

        var traceId = new TraceId(_rng.NextULong(), _rng.NextNonZero());
        for (var i = 0; i < _count; i++)
        {
            _spanIds[i] = _rng.NextNonZero();
        }

        var clockOffset = 0L;
        var exportDelay = TimeSpan.Zero;
        if (remote >= 0)
        {
            var skew = _options.MaxClockSkew.Ticks * 100;
            clockOffset = _rng.NextLong(-skew, skew);
            exportDelay = TimeSpan.FromTicks(_rng.NextLong(_options.MinExportDelay.Ticks, _options.MaxExportDelay.Ticks));
        }

        var rootStart = endUnixNano - (ulong)rootDuration;
        var remoteCount = 0;
        for (var i = 0; i < _count; i++)
        {
            if (_region[i] != rootRegion)
            {
                remoteCount++;
            }
        }
        var local = new GeneratedSpan[_count - remoteCount];
        var remoteSpans = remoteCount > 0 ? new GeneratedSpan[remoteCount] : [];
        int l = 0, r = 0;
        for (var i = 0; i < _count; i++)
        {
            if (_region[i] == rootRegion)
            {
                local[l++] = BuildSpan(i, traceId, rootStart, 0);
            }
            else
            {
                remoteSpans[r++] = BuildSpan(i, traceId, rootStart, clockOffset);
            }
        }

        var rootRegionCode = RegionCodes[rootRegion];
        TraceFragment[] fragments = remoteCount > 0
            ? [new TraceFragment(rootRegionCode, local, 0, TimeSpan.Zero), new TraceFragment(RegionCodes[remoteRegion], remoteSpans, clockOffset, exportDelay)]
            : [new TraceFragment(rootRegionCode, local, 0, TimeSpan.Zero)];
        var regions = remoteCount > 0 ? new[] { rootRegionCode, RegionCodes[remoteRegion] } : _singleRegion[rootRegion];
        var truth = new TraceGroundTruth(
            traceId,
            new SpanId(_spanIds[0]),
            _category,
            rootRegionCode,
            regions,
            _count,
            isError,
            isSlow,
            (ulong)rootDuration,
            clockOffset,
            exportDelay);

        _previousTrace = traceId;
        _previousRoot = new SpanId(_spanIds[0]);
        return new TraceScenario(truth, fragments);
    }

    private int PickRegion()
    {
        var u = _rng.NextDouble() * _regionCumulative[^1];
        for (var i = 0; i < _regionCumulative.Length - 1; i++)
        {
            if (u < _regionCumulative[i])
            {
                return i;
            }
        }
        return _regionCumulative.Length - 1;
    }

    /// <summary>Origins concentrate in iad, as they do on real platforms: half the remote hops go there.</summary>
    private int PickRemoteRegion(int rootRegion)
    {
        if (rootRegion != 0 && _rng.Chance(0.5))
        {
            return 0;
        }
        var other = _rng.Next(RegionCodes.Length - 1);
        return other >= rootRegion ? other + 1 : other;
    }

    private TraceCategory PickCategory()
    {
        if (_rng.Chance(_options.HealthCheckRate))
        {
            return TraceCategory.HealthCheck;
        }
        var total = _options.ApiShare + _options.StaticShare + _options.EdgeFunctionShare;
        var u = _rng.NextDouble() * total;
        if (u < _options.ApiShare)
        {
            return TraceCategory.Api;
        }
        return u < _options.ApiShare + _options.StaticShare ? TraceCategory.Static : TraceCategory.EdgeFunction;
    }

    private int Add(NodeKind kind, int parent, int service)
    {
        var i = _count++;
        _kind[i] = kind;
        _parent[i] = parent;
        _service[i] = service;
        return i;
    }

    private int BuildApi(bool crossRegion)
    {
        var n = _rng.Next(3, 12);
        var routeIndex = _rng.Next(ApiRoutes.Length);
        _route = ApiRoutes[routeIndex];
        _path = _rng.Pick(_apiPaths[routeIndex]);
        Add(NodeKind.ApiRoot, -1, EdgeRouter);
        Add(NodeKind.ApiGateway, 0, ApiGateway);
        var origin = Add(NodeKind.OriginService, 1, _route.Service);
        var auth = false;
        for (var i = 3; i < n; i++)
        {
            var u = _rng.NextDouble();
            if (u < 0.5)
            {
                Add(NodeKind.DbQuery, origin, _route.Service);
            }
            else if (u < 0.75)
            {
                Add(NodeKind.CacheGet, origin, _route.Service);
            }
            else if (u < 0.9 && !auth)
            {
                Add(NodeKind.AuthCheck, 1, AuthService);
                auth = true;
            }
            else
            {
                // The gateway's own rate-limit counter lives in redis too.
                Add(NodeKind.CacheGet, 1, ApiGateway);
            }
        }
        return crossRegion ? origin : -1;
    }

    private int BuildStatic(bool crossRegion)
    {
        // A single span is a cache hit; misses fetch from the origin shield, which is what a
        // cross-region static request is (a PoP pulling from another region's shield).
        var u = _rng.NextDouble();
        var n = crossRegion ? (u < 0.6 ? 2 : 3) : (u < 0.45 ? 1 : u < 0.8 ? 2 : 3);
        _asset = _rng.Next(_assetPaths.Length);
        _path = _assetPaths[_asset];
        Add(NodeKind.StaticRoot, -1, StaticCdn);
        if (n == 3)
        {
            Add(NodeKind.CacheLookup, 0, StaticCdn);
        }
        var origin = n >= 2 ? Add(NodeKind.OriginStorage, 0, OriginStorage) : -1;
        return crossRegion ? origin : -1;
    }

    private int BuildEdgeFunction(bool crossRegion)
    {
        var n = _rng.Next(crossRegion ? 3 : 2, 8);
        _function = _rng.Pick(EdgeFunctions);
        var originService = _rng.Pick(OriginServices);
        _route = ApiRoutes[originService == UsersService ? 0 : originService == OrdersService ? 2 : 6];
        _path = _function.Path;
        _coldStart = _rng.Chance(0.05);
        Add(NodeKind.FunctionRoot, -1, EdgeRouter);
        Add(NodeKind.FunctionRuntime, 0, EdgeFnRuntime);
        var origin = -1;
        for (var i = 2; i < n; i++)
        {
            if (i == 2 && (crossRegion || _rng.Chance(0.4)))
            {
                origin = Add(NodeKind.OriginService, 1, originService);
            }
            else if (origin >= 0 && _rng.Chance(0.4))
            {
                Add(NodeKind.DbQuery, origin, originService);
            }
            else
            {
                Add(NodeKind.KvGet, 1, EdgeFnRuntime);
            }
        }
        return crossRegion ? origin : -1;
    }

    private int BuildHealth()
    {
        _path = "/healthz";
        _userAgent = _rng.Pick(HealthAgents);
        Add(NodeKind.HealthRoot, -1, EdgeRouter);
        return -1;
    }

    private long PickRootDuration(bool isSlow, bool crossRegion)
    {
        if (isSlow)
        {
            return _rng.NextLong(2_100 * Ms, 6_000 * Ms);
        }
        var (median, sigma) = _category switch
        {
            TraceCategory.Api => (60.0 * Ms, 0.7),
            TraceCategory.Static => (_count > 1 ? 25.0 * Ms : 4.0 * Ms, 0.9),
            TraceCategory.EdgeFunction => (25.0 * Ms, 0.8),
            _ => (0.4 * Ms, 0.4),
        };
        var duration = (long)(median * Math.Exp(sigma * _rng.NextGaussian()));
        if (crossRegion)
        {
            // The inter-region round trip is what makes these requests slower, not slow.
            duration += _rng.NextLong(40 * Ms, 160 * Ms);
        }
        return Math.Clamp(duration, 50_000L, 1_900 * Ms);
    }

    /// <summary>Places every child inside its parent, siblings one after another, so the tree nests in time.</summary>
    private void LayOut(long rootDuration)
    {
        Array.Clear(_childCount, 0, _count);
        Array.Clear(_childOrdinal, 0, _count);
        for (var i = 1; i < _count; i++)
        {
            _childCount[_parent[i]]++;
        }
        _start[0] = 0;
        _end[0] = rootDuration;
        for (var i = 1; i < _count; i++)
        {
            var p = _parent[i];
            var length = _end[p] - _start[p];
            var margin = length / 20;
            var slot = (length - (2 * margin)) / _childCount[p];
            var start = _start[p] + margin + (_childOrdinal[p]++ * slot) + (long)(_rng.NextDouble() * slot * 0.1);
            var duration = Math.Max((long)(slot * (0.5 + (0.4 * _rng.NextDouble()))), 1_000L);
            _start[i] = start;
            _end[i] = Math.Min(start + duration, _end[p]);
        }
    }

    private GeneratedSpan BuildSpan(int i, TraceId traceId, ulong rootStart, long clockOffset)
    {
        var parent = _parent[i];
        var resource = _resources[(_region[i] * Services.Length) + _service[i]];
        var start = (ulong)((long)rootStart + _start[i] + clockOffset);
        var end = (ulong)((long)rootStart + _end[i] + clockOffset);
        var inErrorChain = _errorChain[i];
        var httpStatus = inErrorChain ? _errorCode : _statusCode;
        var functionType = _category switch
        {
            TraceCategory.Api => "api",
            TraceCategory.Static => "static",
            TraceCategory.EdgeFunction => "edge-function",
            _ => "health",
        };

        var a = _attributes;
        a.Clear();
        string name;
        SpanKind kind;
        IReadOnlyList<SpanEventDetail> events = [];
        IReadOnlyList<SpanLinkDetail> links = [];
        switch (_kind[i])
        {
            case NodeKind.ApiRoot:
                name = _route.SpanName;
                kind = SpanKind.Server;
                a.Add(Str("http.request.method", _route.Method));
                a.Add(Str("http.route", _route.Route));
                a.Add(Str("url.path", _path));
                a.Add(Str("url.scheme", "https"));
                a.Add(Str("server.address", ApiHost));
                a.Add(Str("client.address", _clientAddress));
                a.Add(Str("user_agent.original", _userAgent));
                a.Add(Str("network.protocol.version", "2"));
                a.Add(Int("http.response.status_code", httpStatus));
                break;
            case NodeKind.ApiGateway:
                name = _route.SpanName;
                kind = SpanKind.Server;
                a.Add(Str("http.request.method", _route.Method));
                a.Add(Str("http.route", _route.Route));
                a.Add(Int("http.response.status_code", httpStatus));
                a.Add(Int("gateway.rate_limit.remaining", _rng.Next(0, 1000)));
                break;
            case NodeKind.OriginService:
                name = _route.SpanName;
                kind = SpanKind.Server;
                a.Add(Str("http.request.method", _route.Method));
                a.Add(Str("http.route", _route.Route));
                a.Add(Str("server.address", _serviceHosts[_service[i]]));
                a.Add(Int("http.response.status_code", inErrorChain ? _errorCode : _category == TraceCategory.Api ? _statusCode : 200));
                break;
            case NodeKind.DbQuery:
                name = _route.DbSpanName;
                kind = SpanKind.Client;
                a.Add(Str("db.system.name", "postgresql"));
                a.Add(Str("db.operation.name", _route.Operation));
                a.Add(Str("db.collection.name", _route.Table));
                a.Add(Str("db.query.text", _route.DbQuery));
                a.Add(Str("server.address", _postgresHosts[_region[i]]));
                a.Add(Int("server.port", 5432));
                break;
            case NodeKind.CacheGet:
                name = "GET";
                kind = SpanKind.Client;
                a.Add(Str("db.system.name", "redis"));
                a.Add(Str("db.operation.name", "GET"));
                a.Add(Str("server.address", _redisHosts[_region[i]]));
                a.Add(Int("server.port", 6379));
                a.Add(Bool("cache.hit", _rng.Chance(0.8)));
                break;
            case NodeKind.AuthCheck:
                name = "POST /v1/introspect";
                kind = SpanKind.Server;
                a.Add(Str("http.request.method", "POST"));
                a.Add(Str("http.route", "/v1/introspect"));
                a.Add(Int("http.response.status_code", inErrorChain ? _errorCode : 200));
                break;
            case NodeKind.StaticRoot:
                name = "GET /assets/*";
                kind = SpanKind.Server;
                a.Add(Str("http.request.method", "GET"));
                a.Add(Str("http.route", "/assets/*"));
                a.Add(Str("url.path", _path));
                a.Add(Str("url.scheme", "https"));
                a.Add(Str("server.address", StaticHost));
                a.Add(Str("client.address", _clientAddress));
                a.Add(Str("user_agent.original", _userAgent));
                a.Add(Int("http.response.status_code", httpStatus));
                a.Add(Int("http.response.body.size", httpStatus == 200 ? _assetSizes[_asset] : 0));
                a.Add(Str("cdn.cache.status", _count == 1 ? "HIT" : "MISS"));
                if (_count > 1)
                {
                    events = [new SpanEventDetail(start + 20_000, "cdn.cache.miss", [])];
                }
                break;
            case NodeKind.CacheLookup:
                name = "cache.lookup";
                kind = SpanKind.Internal;
                a.Add(Str("cdn.cache.status", "MISS"));
                a.Add(Str("cdn.cache.tier", "edge"));
                break;
            case NodeKind.OriginStorage:
                name = "GET /assets/*";
                kind = SpanKind.Server;
                a.Add(Str("http.request.method", "GET"));
                a.Add(Str("http.route", "/assets/*"));
                a.Add(Str("url.path", _path));
                a.Add(Int("http.response.status_code", inErrorChain ? _errorCode : 200));
                a.Add(Int("http.response.body.size", _assetSizes[_asset]));
                break;
            case NodeKind.FunctionRoot:
                name = _function.SpanName;
                kind = SpanKind.Server;
                a.Add(Str("http.request.method", "GET"));
                a.Add(Str("http.route", _function.Route));
                a.Add(Str("url.path", _path));
                a.Add(Str("url.scheme", "https"));
                a.Add(Str("server.address", WebHost));
                a.Add(Str("client.address", _clientAddress));
                a.Add(Str("user_agent.original", _userAgent));
                a.Add(Str("network.protocol.version", "2"));
                a.Add(Int("http.response.status_code", httpStatus));
                break;
            case NodeKind.FunctionRuntime:
                name = _function.InvokeName;
                kind = SpanKind.Server;
                a.Add(Str("faas.name", _function.Name));
                a.Add(Str("faas.trigger", "http"));
                a.Add(Bool("faas.coldstart", _coldStart));
                a.Add(Int("faas.max_memory", 134_217_728));
                a.Add(Int("http.response.status_code", httpStatus));
                if (_coldStart)
                {
                    events = [new SpanEventDetail(start + 100_000, "faas.coldstart", [Int("faas.init_duration_ms", _rng.Next(15, 400))])];
                }
                if (!_previousTrace.IsEmpty && _rng.Chance(0.03))
                {
                    // Background invocations follow from the request that queued them.
                    links = [new SpanLinkDetail(_previousTrace, _previousRoot, string.Empty, FollowsFrom)];
                }
                break;
            case NodeKind.KvGet:
                name = "kv.get";
                kind = SpanKind.Client;
                a.Add(Str("db.system.name", "edge-kv"));
                a.Add(Str("db.operation.name", "get"));
                a.Add(Str("db.namespace", _rng.Pick(KvNamespaces)));
                break;
            default:
                name = "GET /healthz";
                kind = SpanKind.Server;
                a.Add(Str("http.request.method", "GET"));
                a.Add(Str("http.route", "/healthz"));
                a.Add(Str("url.path", "/healthz"));
                a.Add(Str("server.address", _popHosts[_region[i]]));
                a.Add(Str("user_agent.original", _userAgent));
                a.Add(Int("http.response.status_code", 200));
                break;
        }
        a.Add(Str("function_type", functionType));

        var status = SpanStatusCode.Unset;
        var statusMessage = string.Empty;
        if (inErrorChain)
        {
            status = SpanStatusCode.Error;
            if (i == _errorNode)
            {
                var (type, message, stack) = _kind[i] switch
                {
                    NodeKind.DbQuery or NodeKind.CacheGet => _rng.Pick(DbErrors),
                    NodeKind.KvGet or NodeKind.FunctionRuntime => _rng.Pick(KvErrors),
                    _ => _rng.Pick(ServerErrors),
                };
                statusMessage = message;
                a.Add(Str("error.type", type));
                var at = end - Math.Min(end - start, 10_000UL);
                events = [new SpanEventDetail(at, "exception", [Str("exception.type", type), Str("exception.message", message), Str("exception.stacktrace", stack)])];
            }
            else
            {
                a.Add(Str("error.type", httpStatus.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }
        }

        var flags = SampledFlag | HasIsRemoteFlag;
        if (parent >= 0 && (_service[parent] != _service[i] || _region[parent] != _region[i]))
        {
            flags |= IsRemoteFlag;
        }

        var span = new SpanDetail
        {
            TraceId = traceId,
            SpanId = new SpanId(_spanIds[i]),
            ParentSpanId = parent >= 0 ? new SpanId(_spanIds[parent]) : default,
            Flags = flags,
            Name = name,
            Kind = kind,
            StartUnixNano = start,
            EndUnixNano = end,
            Attributes = a.ToArray(),
            Events = events,
            Links = links,
            StatusCode = status,
            StatusMessage = statusMessage,
        };
        return new GeneratedSpan(resource, span);
    }
}
