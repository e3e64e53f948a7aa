using System.Diagnostics;
using System.Diagnostics.Tracing;

namespace ActorTracing.Bench;

/// <summary>
/// Records every pause of this process's GC from the runtime's own events (the in-process form of
/// what `dotnet-trace --profile gc-collect` shows): when it happened, how long the runtime was
/// suspended, which generation was collected and how, and how many bytes survived. The total pause
/// time alone (GC.GetTotalPauseDuration) says that ack latency waits for the GC, not which
/// collections make the tail; that is what decides the next optimization. It listens in the node's
/// own process (`bench-node` starts it; the bench asks for a run's pauses), so only the bench's
/// own node reports it, not a cluster's.
/// </summary>
public sealed class GcPauseRecorder : EventListener
{
    // Microsoft-Windows-DotNETRuntime event ids (stable since .NET Core 1.0).
    private const int GcStart = 1;
    private const int GcRestartEeEnd = 3;
    private const int GcHeapStats = 4;
    private const int GcSuspendEeEnd = 8;
    private const int GcSuspendEeBegin = 9;
    private const int GcMarkWithType = 202;
    private const int GcGlobalHeapHistory = 205;

    // GCMarkWithType's root kinds (the runtime's gc_root_kind): 3 is marking from the older
    // generations through their card table, what a young GC pays for old objects that were
    // written references to young ones.
    private const int MarkOlder = 3;
    private const long GcKeyword = 0x1;

    private readonly Lock _gate = new();
    private readonly List<GcPause> _pauses = [];
    private Stopwatch? _clock;
    private DateTime _suspendedAt;
    private double _suspendMs;
    private bool _suspended;
    private int _generation = -1;
    private GcPauseKind _kind = GcPauseKind.BackgroundPhase;
    private long _promoted;
    private DateTime _gcStartedAt;
    private readonly Dictionary<int, DateTime> _lastMarkByHeap = [];
    private double _olderMarkMs;
    private int _reason = -1;
    private long _gen0Budget;
    private int _heaps;

    /// <summary>Starts recording; <paramref name="clock"/> is the bench's clock, so pauses line up with node samples.</summary>
    public GcPauseRecorder(Stopwatch clock)
    {
        _clock = clock;
    }

    /// <summary>Pauses that ended between two readings of the bench clock (seconds).</summary>
    public IReadOnlyList<GcPause> Between(double fromSeconds, double toSeconds)
    {
        lock (_gate)
        {
            return [.. _pauses.Where(p => p.Seconds >= fromSeconds && p.Seconds <= toSeconds)];
        }
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        // Called from the base constructor for sources that already exist, before this class's
        // fields are set: enabling does not need them.
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Informational, (EventKeywords)GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        var clock = _clock;
        if (clock is null)
        {
            return;
        }
        lock (_gate)
        {
            switch (eventData.EventId)
            {
                case GcSuspendEeBegin:
                    (_suspended, _suspendedAt, _generation, _kind, _promoted, _suspendMs, _olderMarkMs) = (true, eventData.TimeStamp, -1, GcPauseKind.BackgroundPhase, 0, 0, 0);
                    (_reason, _gen0Budget, _heaps) = (-1, 0, 0);
                    break;
                case GcSuspendEeEnd when _suspended:
                    // Stopping every managed thread: on busy cores this is waiting for threads to
                    // be scheduled, not GC work.
                    _suspendMs = (eventData.TimeStamp - _suspendedAt).TotalMilliseconds;
                    break;
                case GcStart when _suspended:
                    _generation = Convert.ToInt32(eventData.Payload![1], System.Globalization.CultureInfo.InvariantCulture);
                    // Type: 0 blocking, 1 background (only its start is inside this pause), 2 blocking during a background GC.
                    _kind = Convert.ToInt32(eventData.Payload![3], System.Globalization.CultureInfo.InvariantCulture) == 1
                        ? GcPauseKind.BackgroundStart
                        : GcPauseKind.Blocking;
                    // Why: AllocSmall (the gen0 budget ran out), AllocLarge (the large object heap's), Induced, …
                    _reason = Convert.ToInt32(eventData.Payload![2], System.Globalization.CultureInfo.InvariantCulture);
                    _gcStartedAt = eventData.TimeStamp;
                    _lastMarkByHeap.Clear();
                    break;
                case GcGlobalHeapHistory when _suspended:
                    // The gen0 budget this collection set (how much may be allocated before the
                    // next one) and the heap count: what DATAS decides. Two modes were seen at the
                    // same load, ~10 MB (short pauses, ~15 GCs a second) and 40–67 MB (pauses of
                    // 20–60 ms), so each run's report names its budget.
                    _gen0Budget = ToLong(Payload(eventData, "FinalYoungestDesired"));
                    _heaps = (int)ToLong(Payload(eventData, "NumHeaps"));
                    break;
                case GcMarkWithType when _suspended && _generation is 0 or 1:
                    // Each heap's GC thread reports each root kind as it finishes it, so a kind's
                    // time on a heap is the gap since that heap's previous report (or the GC's
                    // start). The heaps mark in parallel: the longest is what the pause waited for.
                    var heap = Convert.ToInt32(eventData.Payload![0], System.Globalization.CultureInfo.InvariantCulture);
                    var since = _lastMarkByHeap.TryGetValue(heap, out var last) ? last : _gcStartedAt;
                    _lastMarkByHeap[heap] = eventData.TimeStamp;
                    if (Convert.ToInt32(eventData.Payload![2], System.Globalization.CultureInfo.InvariantCulture) == MarkOlder)
                    {
                        _olderMarkMs = Math.Max(_olderMarkMs, (eventData.TimeStamp - since).TotalMilliseconds);
                    }
                    break;
                case GcHeapStats when _suspended && _generation >= 0:
                    // TotalPromotedSize0/1/2 (payload 1, 3, 5): bytes that survived each generation.
                    // Only the collected generations' figures belong to this GC.
                    _promoted = 0;
                    for (var g = 0; g <= Math.Min(_generation, 2); g++)
                    {
                        _promoted += ToLong(eventData.Payload![1 + (2 * g)]);
                    }
                    break;
                case GcRestartEeEnd when _suspended:
                    _suspended = false;
                    // When the pause ended on the bench clock: the runtime hands events to a
                    // listener late (by hundreds of milliseconds on a busy machine), so the
                    // clock's reading now is corrected by the event's own age.
                    var age = DateTime.UtcNow - eventData.TimeStamp.ToUniversalTime();
                    _pauses.Add(new GcPause(
                        clock.Elapsed.TotalSeconds - Math.Max(0, age.TotalSeconds),
                        (eventData.TimeStamp - _suspendedAt).TotalMilliseconds,
                        _generation,
                        _kind,
                        _promoted,
                        _suspendMs,
                        _olderMarkMs,
                        _reason,
                        _gen0Budget,
                        _heaps,
                        (eventData.TimeStamp.ToUniversalTime() - DateTime.UnixEpoch).Ticks * 100));
                    break;
            }
        }
    }

    public override void Dispose()
    {
        _clock = null;
        base.Dispose();
    }

    private static object? Payload(EventWrittenEventArgs eventData, string name)
    {
        var index = eventData.PayloadNames?.IndexOf(name) ?? -1;
        return index < 0 ? null : eventData.Payload![index];
    }

    private static long ToLong(object? value) => value is null ? 0 : Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>How the runtime was paused: a blocking collection, the start of a background one, or one of a background collection's later suspensions.</summary>
public enum GcPauseKind
{
    Blocking,
    BackgroundStart,
    BackgroundPhase,
}

/// <summary>One suspension of the runtime for the GC.</summary>
/// <param name="Seconds">Bench clock when the runtime resumed.</param>
/// <param name="Milliseconds">How long managed threads were stopped.</param>
/// <param name="Generation">Generation collected (-1: a background collection's later phase).</param>
/// <param name="PromotedBytes">Bytes that survived the collection (0 when not reported).</param>
/// <param name="SuspendMilliseconds">Of <paramref name="Milliseconds"/>, how long stopping the threads took.</param>
/// <param name="OlderMarkMilliseconds">Of a gen0/gen1 collection's pause, the longest a GC thread spent marking from the older generations' cards (0 when not reported).</param>
/// <param name="Reason">The runtime's gc_reason (0 AllocSmall, 1 Induced, 4 AllocLarge, …; -1 when not reported).</param>
/// <param name="Gen0BudgetBytes">The gen0 budget the collection set (the runtime's FinalYoungestDesired; 0 when not reported).</param>
/// <param name="Heaps">GC heaps at the collection (0 when not reported).</param>
/// <param name="ResumedAtUnixNanos">When the runtime resumed, on the system (wall) clock, so the generator's slowest requests line up with it across processes (0 when not reported).</param>
public sealed record GcPause(double Seconds, double Milliseconds, int Generation, GcPauseKind Kind, long PromotedBytes, double SuspendMilliseconds = 0, double OlderMarkMilliseconds = 0, int Reason = -1, long Gen0BudgetBytes = 0, int Heaps = 0, long ResumedAtUnixNanos = 0)
{
    /// <summary>Whether the runtime was stopped for this pause at some time in [<paramref name="fromUnixNanos"/>, <paramref name="toUnixNanos"/>].</summary>
    public bool Overlaps(long fromUnixNanos, long toUnixNanos) =>
        ResumedAtUnixNanos != 0 && fromUnixNanos <= ResumedAtUnixNanos && toUnixNanos >= ResumedAtUnixNanos - (long)(Milliseconds * 1_000_000);

    /// <summary>Whether any of <paramref name="pauses"/> stopped the runtime while a request due at <paramref name="dueUnixNanos"/> waited <paramref name="latencyMicros"/> for its ack.</summary>
    public static bool AnyWhileInFlight(IEnumerable<GcPause> pauses, long dueUnixNanos, long latencyMicros) =>
        pauses.Any(p => p.Overlaps(dueUnixNanos, dueUnixNanos + (latencyMicros * 1000)));
}
