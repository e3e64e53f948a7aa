namespace ActorTracing.Workload;

/// <summary>One acknowledged request among a run's slowest: when it was due and how long its ack took.</summary>
/// <param name="DueUnixNanos">Its intended send time, on the system (wall) clock, so another process's events line up with it.</param>
/// <param name="LatencyMicros">From the intended send time to the acknowledgement.</param>
public readonly record struct SlowRequest(long DueUnixNanos, long LatencyMicros);

/// <summary>
/// The <see cref="Capacity"/> slowest acknowledged requests of a run, with their due times. The
/// histogram says how slow the tail is; these say <em>when</em> it happened, so a report can line
/// the tail up with the node's and the generator's GC pauses and tell a collection from a
/// machine that was simply busy. Bounded (a min-heap of fixed size, allocated once) and cheap on
/// the send path: once full, a request faster than the slowest kept so far is turned away
/// without taking the lock or reading the clock.
/// </summary>
public sealed class SlowestRequests
{
    /// <summary>Covers the p99 of runs up to 200,000 measured requests (~100 s at 2,000 requests/s).</summary>
    public const int DefaultCapacity = 2_000;

    private readonly Lock _gate = new();
    private readonly PriorityQueue<SlowRequest, long> _heap;
    private long _floor = -1;

    public SlowestRequests(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _heap = new PriorityQueue<SlowRequest, long>(capacity + 1);
    }

    public int Capacity { get; }

    /// <summary>Keeps the request if it is among the slowest so far; reads <paramref name="clock"/> only then.</summary>
    public void Offer(long latencyMicros, IWorkloadClock clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        if (latencyMicros <= Volatile.Read(ref _floor))
        {
            return;
        }
        var due = (long)clock.UnixNowNanos - (latencyMicros * 1000);
        lock (_gate)
        {
            if (_heap.Count == Capacity)
            {
                if (latencyMicros <= _heap.Peek().LatencyMicros)
                {
                    return;
                }
                _heap.Dequeue();
            }
            _heap.Enqueue(new SlowRequest(due, latencyMicros), latencyMicros);
            if (_heap.Count == Capacity)
            {
                Volatile.Write(ref _floor, _heap.Peek().LatencyMicros);
            }
        }
    }

    /// <summary>The requests kept, slowest first.</summary>
    public IReadOnlyList<SlowRequest> Slowest()
    {
        lock (_gate)
        {
            return [.. _heap.UnorderedItems.Select(i => i.Element).OrderByDescending(r => r.LatencyMicros).ThenBy(r => r.DueUnixNanos)];
        }
    }
}
