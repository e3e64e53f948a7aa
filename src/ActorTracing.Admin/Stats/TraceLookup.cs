using System.Globalization;
using ActorTracing.Domain;
using ActorTracing.Domain.Decisions;
using ActorTracing.Protocol.Traces;
using Akka.Actor;
using Akka.Hosting;

namespace ActorTracing.Admin;

/// <summary>
/// `trace show &lt;traceId&gt;`: asks the trace's actor through the shard region (wherever in the
/// cluster its shard lives). An actor that already decided has passivated, so a fresh one answers
/// with nothing buffered; the node's decision cache then tells whether it was decided here.
/// </summary>
internal sealed class TraceLookup(ActorSystem system, ActorRegistry? registry, DecisionCache? decisions, TimeSpan askTimeout)
{
    public async Task<AdminResponses.Trace> ShowAsync(string? traceId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(traceId) || !TraceId.TryParseHex(traceId.Trim().ToLowerInvariant(), out var id))
        {
            throw AdminRequestException.BadRequest($"'{traceId}' is not a trace id: expected 32 hex digits, not all zero");
        }
        if (registry is null || !registry.TryGet<TraceRegion>(out var region))
        {
            throw AdminRequestException.Unavailable("this node has no trace shard region (yet): ask a node with the trace region");
        }
        TraceQueries.TraceStatus status;
        try
        {
            status = await region.Ask<TraceQueries.TraceStatus>(new TraceQueries.GetTraceStatus(id), askTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            throw AdminRequestException.Unavailable(string.Create(CultureInfo.InvariantCulture, $"the actor of trace {id} did not answer within {askTimeout.TotalSeconds:0.###}s (its shard may be moving)"));
        }

        var now = system.Scheduler.Now;
        if (status.Decision is { } decided)
        {
            return View(status, "decided", decided.Keep, decided.Reason, decided.SampleRate, "trace-actor", now);
        }
        if (status.SpansBuffered > 0)
        {
            return View(status, "in-flight", null, null, null, "trace-actor", now);
        }
        if (decisions is not null && decisions.TryGet(id, now, out var cached))
        {
            return View(status, "decided", cached.Keep, cached.Reason, cached.SampleRate, "decision-cache", now);
        }
        return View(status, "unknown", null, null, null, "trace-actor", now);
    }

    private static AdminResponses.Trace View(TraceQueries.TraceStatus s, string state, bool? keep, string? reason, uint? rate, string source, DateTimeOffset now) => new(
        s.TraceId.ToHex(),
        state,
        s.SpansBuffered,
        s.BytesBuffered,
        s.RootSeen,
        s.Regions.Order(StringComparer.Ordinal).ToArray(),
        state == "in-flight" && s.NextCheck is { } next ? Math.Max(0, (next - now).TotalSeconds) : null,
        keep,
        reason,
        rate,
        state == "decided" ? s.CompletionReason : null,
        source);
}
