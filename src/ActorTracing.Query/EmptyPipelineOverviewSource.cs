namespace ActorTracing.Query;

/// <summary>
/// The default overview: nothing but a note saying no source is registered, so the UI's overview
/// page works (and says why it is empty) in a host that does not feed it.
/// </summary>
public sealed class EmptyPipelineOverviewSource : IPipelineOverviewSource
{
    public const string Note = "No pipeline overview source is registered in this host (IPipelineOverviewSource).";

    public Task<PipelineOverview> GetOverviewAsync(CancellationToken cancellationToken) =>
        Task.FromResult(new PipelineOverview { Notes = [Note] });
}
