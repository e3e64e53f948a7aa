namespace ActorTracing.Domain;

/// <summary>
/// Where a group of spans came from: the resource and instrumentation scope they were exported
/// under, and the region that received them. One instance is shared by every span of one
/// ScopeSpans in a request, so per-span memory does not repeat the resource; the ingest decoder
/// also interns them across requests (same bytes, schema urls and region → same instance), so
/// the arrays are shared and must never be written to.
/// </summary>
/// <param name="ServiceName">The resource's <c>service.name</c> (empty when absent).</param>
/// <param name="Region">The region the span entered: the resource's <c>cloud.region</c>, else the receiving node's region.</param>
/// <param name="Resource">The OTLP <c>Resource</c> message bytes as received.</param>
/// <param name="Scope">The OTLP <c>InstrumentationScope</c> message bytes as received.</param>
/// <param name="ResourceSchemaUrl">The ResourceSpans schema_url.</param>
/// <param name="ScopeSchemaUrl">The ScopeSpans schema_url.</param>
public sealed record SpanOrigin(
    string ServiceName,
    string Region,
    byte[] Resource,
    byte[] Scope,
    string ResourceSchemaUrl = "",
    string ScopeSchemaUrl = "")
{
    public static readonly SpanOrigin Unknown = new(string.Empty, string.Empty, [], []);
}
