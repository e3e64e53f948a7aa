namespace ActorTracing.Protocol.Ingress;

/// <summary>The answer to a submit: accepted, or refused for now with a retry hint and a reason for the client.</summary>
public readonly record struct IngressResult(bool Accepted, TimeSpan RetryAfter, string? Reason)
{
    public static IngressResult Ok { get; } = new(true, TimeSpan.Zero, null);

    public static IngressResult Overloaded(TimeSpan retryAfter, string reason) => new(false, retryAfter, reason);
}
