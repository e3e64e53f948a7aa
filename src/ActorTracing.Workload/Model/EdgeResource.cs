using ActorTracing.Domain;

namespace ActorTracing.Workload;

/// <summary>
/// One exporting process of the platform: a service in a region. Its OTLP resource attributes and
/// scope are built once and shared by every span it exports, as an SDK does.
/// </summary>
public sealed class EdgeResource
{
    internal EdgeResource(int index, string region, string serviceName, IReadOnlyList<KeyValuePair<string, AttributeValue>> attributes, ScopeDetail scope)
    {
        Index = index;
        Region = region;
        ServiceName = serviceName;
        Attributes = attributes;
        Scope = scope;
    }

    /// <summary>Dense index over all resources of one model; batch builders use it as an array slot.</summary>
    public int Index { get; }

    /// <summary>The resource's <c>cloud.region</c>.</summary>
    public string Region { get; }

    /// <summary>The resource's <c>service.name</c>.</summary>
    public string ServiceName { get; }

    public IReadOnlyList<KeyValuePair<string, AttributeValue>> Attributes { get; }

    public ScopeDetail Scope { get; }

    public override string ToString() => $"{ServiceName}@{Region}";
}
