namespace ActorTracing.Domain.Sampling;

/// <summary>
/// Field names attribute conditions resolve from the span itself rather than its attributes, so
/// rules can say <c>name</c> or <c>service.name</c> as Refinery's do. They shadow span attributes
/// of the same name on purpose: the decoded fields are free to read and cannot be spoofed.
/// </summary>
public static class VirtualFields
{
    /// <summary>The span name.</summary>
    public const string Name = "name";

    /// <summary>The resource's service.name (already decoded at ingest).</summary>
    public const string ServiceName = "service.name";

    /// <summary>The span kind in lower case: internal, server, client, producer, consumer, unspecified.</summary>
    public const string Kind = "span.kind";

    /// <summary>The status code in lower case: unset, ok, error.</summary>
    public const string StatusCode = "status.code";

    /// <summary>The region the span entered.</summary>
    public const string Region = "region";

    /// <summary>The span duration in milliseconds (a double), for numeric conditions.</summary>
    public const string DurationMs = "duration_ms";

    public static bool IsVirtual(string key) => key is Name or ServiceName or Kind or StatusCode or Region or DurationMs;
}
