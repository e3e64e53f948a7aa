namespace ActorTracing.Bench;

/// <summary>A scenario that does not apply to the target, and why; reported instead of a figure.</summary>
public sealed record SkippedScenario(string Scenario, string Reason)
{
    public const string Memory = "3. Memory per buffered span";
}
