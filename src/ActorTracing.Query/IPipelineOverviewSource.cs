namespace ActorTracing.Query;

/// <summary>
/// Feeds the UI's live pipeline overview (<c>GET /api/overview</c>, polled every
/// <see cref="QuerySettings.OverviewPollInterval"/>). The node implements it over its gauges,
/// storage and cluster state; it is called once per poll, so it should read counters it already
/// keeps rather than query storage every time.
/// </summary>
public interface IPipelineOverviewSource
{
    Task<PipelineOverview> GetOverviewAsync(CancellationToken cancellationToken);
}
