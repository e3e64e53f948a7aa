namespace ActorTracing.Bench;

/// <summary>Runs one load generator run to completion; the real one is a child process, tests use fakes.</summary>
public interface ILoadGenerator
{
    Task<LoadGenResult> RunAsync(LoadGenRequest request, CancellationToken cancellationToken);
}
