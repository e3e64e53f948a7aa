using ActorTracing.Bench;

namespace ActorTracing.Bench.Tests;

/// <summary>
/// The body of `actortracing loadgen` (<see cref="LoadGenRunner"/>) called in the test process:
/// the same senders and probes as the child process the bench starts, without needing the CLI build.
/// </summary>
internal sealed class InProcessLoadGenerator : ILoadGenerator
{
    public Task<LoadGenResult> RunAsync(LoadGenRequest request, CancellationToken cancellationToken) =>
        LoadGenRunner.RunAsync(request, progress: null, cancellationToken);
}
