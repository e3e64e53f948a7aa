using System.Collections;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace ActorTracing.Protocol.Pipeline;

/// <summary>
/// Counts per reason (kept/dropped/completion), incremented on every decision from every shard.
/// A ConcurrentDictionary&lt;string, long&gt; updated with AddOrUpdate takes a bucket lock on each
/// increment, and a profile showed shards queueing on it; here the reasons are a small, stable set,
/// so each gets a counter box once and increments are a lock-free read plus an Interlocked add.
/// </summary>
public sealed class ReasonCounts : IReadOnlyDictionary<string, long>
{
    private readonly ConcurrentDictionary<string, StrongBox<long>> _counts = new(StringComparer.Ordinal);

    public int Count => _counts.Count;

    public IEnumerable<string> Keys => _counts.Keys;

    public IEnumerable<long> Values => _counts.Values.Select(b => Interlocked.Read(ref b.Value));

    public long this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException(key);

    public void Increment(string reason)
    {
        if (!_counts.TryGetValue(reason, out var box))
        {
            box = _counts.GetOrAdd(reason, static _ => new StrongBox<long>());
        }
        Interlocked.Increment(ref box.Value);
    }

    public bool ContainsKey(string key) => _counts.ContainsKey(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out long value)
    {
        if (_counts.TryGetValue(key, out var box))
        {
            value = Interlocked.Read(ref box.Value);
            return true;
        }
        value = 0;
        return false;
    }

    public IEnumerator<KeyValuePair<string, long>> GetEnumerator()
    {
        foreach (var (key, box) in _counts)
        {
            yield return new KeyValuePair<string, long>(key, Interlocked.Read(ref box.Value));
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
