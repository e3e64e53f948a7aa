namespace ActorTracing.Workload;

/// <summary>What kind of request a generated trace is; the <c>function_type</c> span attribute carries it.</summary>
public enum TraceCategory
{
    /// <summary>An API call through edge-router, api-gateway and an origin service with db/cache calls (3–12 spans).</summary>
    Api = 0,

    /// <summary>A static asset from the CDN, with an origin fetch on a cache miss (1–3 spans).</summary>
    Static = 1,

    /// <summary>An edge function invocation with KV reads and an optional origin fetch (2–8 spans).</summary>
    EdgeFunction = 2,

    /// <summary>A load-balancer probe of <c>/healthz</c> (1 span); the noise sampling rules drop.</summary>
    HealthCheck = 3,
}
