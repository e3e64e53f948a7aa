using System.Diagnostics.CodeAnalysis;

namespace ActorTracing.Workload;

/// <summary>
/// The bounded queue between the producer and dedicated sender threads. A plain monitor: an idle
/// sender sleeps in <see cref="Monitor.Wait(object)"/> (a futex, no spinning) until the producer
/// pulses it, where the thread pool's and SemaphoreSlim's waits spin with sched_yield first — on a
/// 2-core machine shared with the node that spinning was most of the generator's CPU.
/// </summary>
internal sealed class BlockingSendQueue
{
    private readonly Queue<WorkloadBatch> _items;
    private readonly int _capacity;
    private readonly object _gate = new();
    private int _waiting;
    private bool _completed;
    private bool _cancelled;

    public BlockingSendQueue(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _capacity = capacity;
        _items = new Queue<WorkloadBatch>(Math.Min(capacity, 1024));
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>Queues a batch unless the queue is full (never blocks the producer).</summary>
    public bool TryAdd(WorkloadBatch batch)
    {
        lock (_gate)
        {
            if (_completed || _items.Count >= _capacity)
            {
                return false;
            }
            _items.Enqueue(batch);
            if (_waiting > 0)
            {
                Monitor.Pulse(_gate);
            }
            return true;
        }
    }

    /// <summary>Waits for the next batch; false once the queue is completed and empty, or cancelled.</summary>
    public bool TryTake([NotNullWhen(true)] out WorkloadBatch? batch)
    {
        lock (_gate)
        {
            while (_items.Count == 0 && !_completed && !_cancelled)
            {
                _waiting++;
                Monitor.Wait(_gate);
                _waiting--;
            }
            if (_cancelled || _items.Count == 0)
            {
                batch = null;
                return false;
            }
            batch = _items.Dequeue();
            return true;
        }
    }

    /// <summary>No more batches: senders finish what is queued, then stop.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Senders stop at once; what is still queued stays unsent.</summary>
    public void Cancel()
    {
        lock (_gate)
        {
            _cancelled = true;
            Monitor.PulseAll(_gate);
        }
    }
}
