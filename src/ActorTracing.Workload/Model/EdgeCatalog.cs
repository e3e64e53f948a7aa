using ActorTracing.Domain;

namespace ActorTracing.Workload;

/// <summary>
/// The fixed shape of the simulated platform: regions, services, routes and the value pools the
/// model draws from. Everything a span repeats (names, paths, user agents) is built once here, so
/// generating a span allocates only the span itself and its attribute array.
/// </summary>
internal static class EdgeCatalog
{
    public const string SchemaUrl = "https://opentelemetry.io/schemas/1.26.0";

    public static readonly string[] RegionCodes = ["iad", "sfo", "fra", "sin", "gru"];

    /// <summary>Share of requests entering each region's PoPs, same order as <see cref="RegionCodes"/>.</summary>
    public static readonly double[] RegionWeights = [0.28, 0.18, 0.24, 0.18, 0.12];

    public const int EdgeRouter = 0;
    public const int ApiGateway = 1;
    public const int StaticCdn = 2;
    public const int EdgeFnRuntime = 3;
    public const int UsersService = 4;
    public const int OrdersService = 5;
    public const int CatalogService = 6;
    public const int AuthService = 7;
    public const int OriginStorage = 8;

    /// <summary>(service.name, telemetry.sdk.language, service.version), indexed by the constants above.</summary>
    public static readonly (string Name, string Language, string Version)[] Services =
    [
        ("edge-router", "rust", "2.14.3"),
        ("api-gateway", "go", "1.31.0"),
        ("static-cdn", "rust", "5.2.1"),
        ("edge-fn-runtime", "nodejs", "3.8.0"),
        ("users-service", "java", "4.12.7"),
        ("orders-service", "dotnet", "7.3.0"),
        ("catalog-service", "python", "2.40.2"),
        ("auth-service", "go", "1.9.4"),
        ("origin-storage", "go", "0.22.0"),
    ];

    public const string ApiHost = "api.shopfront.example";
    public const string StaticHost = "static.shopfront.example";
    public const string WebHost = "www.shopfront.example";

    public static readonly ApiRoute[] ApiRoutes =
    [
        new("GET", "/api/v1/users/{id}", UsersService, "users", "SELECT"),
        new("PATCH", "/api/v1/users/{id}", UsersService, "users", "UPDATE"),
        new("GET", "/api/v1/orders/{id}", OrdersService, "orders", "SELECT"),
        new("POST", "/api/v1/orders", OrdersService, "orders", "INSERT"),
        new("PUT", "/api/v1/cart", OrdersService, "carts", "UPDATE"),
        new("GET", "/api/v1/products", CatalogService, "products", "SELECT"),
        new("GET", "/api/v1/products/{id}", CatalogService, "products", "SELECT"),
        new("GET", "/api/v1/search", CatalogService, "products", "SELECT"),
    ];

    public static readonly EdgeFunction[] EdgeFunctions =
    [
        new("geo-redirect", "/"),
        new("ab-test", "/landing/*"),
        new("auth-edge", "/account/*"),
        new("image-resize", "/img/*"),
        new("personalize", "/home"),
        new("bot-check", "/checkout/*"),
    ];

    public static readonly string[] KvNamespaces = ["sessions", "flags", "geo", "config"];

    public static readonly string[] UserAgents =
    [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
        "okhttp/4.12.0",
        "ShopfrontApp/6.4.1 (iOS 18.1; iPhone15,2)",
        "curl/8.9.1",
    ];

    public static readonly string[] HealthAgents = ["kube-probe/1.31", "edge-healthcheck/2.1", "ELB-HealthChecker/2.0"];

    public static readonly (string Type, string Message, string Stack)[] ServerErrors =
    [
        ("UpstreamConnectError", "upstream connect error or disconnect/reset before headers", "at proxy::upstream::connect (upstream.rs:214)"),
        ("TimeoutException", "The operation has timed out after 2000 ms", "at Origin.Client.SendAsync() in Client.cs:line 88"),
        ("java.lang.IllegalStateException", "Connection pool shut down", "at org.apache.http.pool.AbstractConnPool.lease(AbstractConnPool.java:191)"),
    ];

    public static readonly (string Type, string Message, string Stack)[] DbErrors =
    [
        ("java.sql.SQLTransientConnectionException", "HikariPool-1 - Connection is not available, request timed out after 1000ms", "at com.zaxxer.hikari.pool.HikariPool.createTimeoutException(HikariPool.java:696)"),
        ("Npgsql.PostgresException", "40P01: deadlock detected", "at Npgsql.Internal.NpgsqlConnector.ReadMessageLong() in NpgsqlConnector.cs:line 1403"),
        ("RedisTimeoutException", "Timeout performing GET (5000ms)", "at StackExchange.Redis.ConnectionMultiplexer.ExecuteSyncImpl() in ConnectionMultiplexer.cs:line 2099"),
    ];

    public static readonly (string Type, string Message, string Stack)[] KvErrors =
    [
        ("KVError", "KV GET failed: 503 Service Unavailable", "at kvGet (runtime/kv.js:42:11)"),
        ("TypeError", "Cannot read properties of undefined (reading 'country')", "at handler (functions/geo-redirect.js:17:23)"),
    ];

    /// <summary>Builds the resource of every service in every region; index = region * Services.Length + service.</summary>
    public static EdgeResource[] BuildResources()
    {
        var resources = new EdgeResource[RegionCodes.Length * Services.Length];
        for (var r = 0; r < RegionCodes.Length; r++)
        {
            var region = RegionCodes[r];
            for (var s = 0; s < Services.Length; s++)
            {
                var (name, language, version) = Services[s];
                // One region runs the router canary, so version-based rules have something to find.
                if (s == EdgeRouter && region == "fra")
                {
                    version = "2.15.0-canary.3";
                }
                KeyValuePair<string, AttributeValue>[] attributes =
                [
                    Str("service.name", name),
                    Str("service.namespace", "edge"),
                    Str("service.version", version),
                    Str("service.instance.id", $"{name}-{region}-01"),
                    Str("host.name", $"{region}-{name}-01.edge.internal"),
                    Str("cloud.provider", "edge"),
                    Str("cloud.region", region),
                    Str("deployment.environment.name", "production"),
                    Str("telemetry.sdk.name", "opentelemetry"),
                    Str("telemetry.sdk.language", language),
                    Str("telemetry.sdk.version", "1.20.1"),
                ];
                var scope = new ScopeDetail("edge-platform/otel-instrumentation", "1.8.0", []);
                var index = (r * Services.Length) + s;
                resources[index] = new EdgeResource(index, region, name, attributes, scope);
            }
        }
        return resources;
    }

    public static KeyValuePair<string, AttributeValue> Str(string key, string value) => new(key, AttributeValue.FromString(value));

    public static KeyValuePair<string, AttributeValue> Int(string key, long value) => new(key, AttributeValue.FromInt(value));

    public static KeyValuePair<string, AttributeValue> Bool(string key, bool value) => new(key, AttributeValue.FromBool(value));

    internal sealed record ApiRoute(string Method, string Route, int Service, string Table, string Operation)
    {
        public string SpanName { get; } = $"{Method} {Route}";

        public string DbSpanName { get; } = $"{Operation} {Table}";

        public string DbQuery { get; } = Operation switch
        {
            "SELECT" => $"SELECT * FROM {Table} WHERE id = $1",
            "UPDATE" => $"UPDATE {Table} SET updated_at = now(), data = $2 WHERE id = $1",
            _ => $"INSERT INTO {Table} (id, data) VALUES ($1, $2)",
        };
    }

    internal sealed record EdgeFunction(string Name, string Route)
    {
        public string SpanName { get; } = $"GET {Route}";

        public string InvokeName { get; } = $"invoke {Name}";

        public string Path { get; } = Route.Replace("*", "index", StringComparison.Ordinal);
    }
}
