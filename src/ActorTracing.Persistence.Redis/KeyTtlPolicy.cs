using System.Collections.Immutable;

namespace ActorTracing.Persistence.Redis;

/// <summary>
/// Which time to live the keys of a persistence id get: <c>key-ttl</c>, overridden by the longest
/// matching <c>key-ttl-by-prefix</c> entry. <see cref="TimeSpan.Zero"/> means the keys never expire.
/// </summary>
/// <remarks>
/// Why expiry at all: a trace entity persists its sampling decision only so that late spans (arriving
/// minutes, rarely hours, after the decision, possibly on another node after a hand-off) follow it.
/// Once that window has passed nobody recovers the entity again, so without a TTL every trace ever
/// decided would stay in Redis and memory would grow with total traffic instead of with the window.
/// Every write pushes the TTL of ALL keys of the id back together, so an id expires whole (events,
/// highest sequence nr and snapshots at once) and never recovers from half a history.
/// </remarks>
public sealed class KeyTtlPolicy
{
    public static readonly KeyTtlPolicy Off = new(TimeSpan.Zero, ImmutableDictionary<string, TimeSpan>.Empty);

    // Sorted longest first so the first match is the most specific one.
    private readonly ImmutableArray<KeyValuePair<string, TimeSpan>> _byPrefixLongestFirst;

    public KeyTtlPolicy(TimeSpan defaultTtl, IReadOnlyDictionary<string, TimeSpan> byPrefix)
    {
        ArgumentNullException.ThrowIfNull(byPrefix);
        DefaultTtl = defaultTtl;
        ByPrefix = byPrefix.ToImmutableDictionary(StringComparer.Ordinal);
        _byPrefixLongestFirst = [.. ByPrefix.OrderByDescending(p => p.Key.Length).ThenBy(p => p.Key, StringComparer.Ordinal)];
    }

    /// <summary><c>key-ttl</c>: used when no prefix matches.</summary>
    public TimeSpan DefaultTtl { get; }

    /// <summary><c>key-ttl-by-prefix</c>.</summary>
    public ImmutableDictionary<string, TimeSpan> ByPrefix { get; }

    /// <summary>The time to live for every key of <paramref name="persistenceId"/>; zero = no expiry.</summary>
    public TimeSpan For(string persistenceId)
    {
        foreach (var (prefix, ttl) in _byPrefixLongestFirst)
        {
            if (persistenceId.StartsWith(prefix, StringComparison.Ordinal))
            {
                return ttl;
            }
        }

        return DefaultTtl;
    }

    /// <summary>Milliseconds as the Lua scripts take them (PEXPIRE); 0 = no expiry.</summary>
    internal long MillisecondsFor(string persistenceId) => (long)For(persistenceId).TotalMilliseconds;
}
