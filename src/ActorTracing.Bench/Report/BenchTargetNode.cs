namespace ActorTracing.Bench;

/// <summary>One node of the target and what it used over the run (from its /proc entry and its /metrics).</summary>
/// <param name="Pid">The node's process; the bench's own for an embedded node.</param>
/// <param name="CpuSeconds">CPU time (user + system) the process used while the bench sampled it.</param>
/// <param name="SpansReceived">Spans its ingest accepted over the run.</param>
/// <param name="RowsWritten">Rows its storage writer wrote over the run (process nodes).</param>
public sealed record BenchTargetNode(string Name, string Region, IReadOnlyList<string> Roles, int Pid, double CpuSeconds, long PeakRssBytes, long SpansReceived, long RowsWritten, double GcPauseSeconds)
{
    /// <summary>
    /// The most trace messages its ingest had sent to owners on other nodes and not yet had
    /// confirmed, at any reading (each held until its owner confirms; see README "Hand-off and partitions").
    /// </summary>
    public long PeakUnconfirmed { get; init; }

    /// <summary>Trace messages its ingest sent again over the run because their owner left (0 in a healthy run).</summary>
    public long Redelivered { get; init; }
}
