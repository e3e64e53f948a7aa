namespace ActorTracing.Actors.Sampling;

/// <summary>
/// The sampling rules in HOCON are invalid. <see cref="Path"/> is the exact key, with rule and
/// list indexes (<c>actortracing.sampling.rules[3].condition.threshold</c>), so a startup failure
/// points at the line to fix.
/// </summary>
public sealed class SamplingConfigException : Exception
{
    public SamplingConfigException(string path, string problem)
        : base($"{path}: {problem}")
    {
        Path = path;
        Problem = problem;
    }

    public SamplingConfigException(string path, string problem, Exception innerException)
        : base($"{path}: {problem}", innerException)
    {
        Path = path;
        Problem = problem;
    }

    public SamplingConfigException()
        : this("actortracing.sampling", "invalid sampling configuration")
    {
    }

    public SamplingConfigException(string message)
        : this("actortracing.sampling", message)
    {
    }

    public SamplingConfigException(string message, Exception innerException)
        : this("actortracing.sampling", message, innerException)
    {
    }

    /// <summary>The HOCON path of the offending key.</summary>
    public string Path { get; }

    /// <summary>What is wrong with it.</summary>
    public string Problem { get; }
}
