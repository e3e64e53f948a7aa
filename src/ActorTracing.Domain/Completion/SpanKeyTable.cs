using System.Numerics;
using System.Text;

namespace ActorTracing.Domain.Completion;

/// <summary>
/// Attribute keys a trace shard has seen, numbered, so a buffered span can hold a key as a one- or
/// two-byte id instead of its UTF-8 bytes (see <see cref="CompactSpan"/>). Keys are the most
/// repeated bytes in a span: "http.response.status_code" and friends, the same few dozen in
/// every span of a service, ~60 B of a typical span's ~320.
/// <para>
/// Bounded on purpose: a client sending random keys fills it once and its later keys simply stay
/// inline (ids are never reused, so a key is always either numbered or inline for the table's
/// life). Owned by one shard actor, like its arena: not thread-safe.
/// </para>
/// </summary>
public sealed class SpanKeyTable
{
    /// <summary>Ids stay within two varint bytes, so a compacted key is never longer than the inline one.</summary>
    public const int DefaultCapacity = 512;

    /// <summary>Longer keys are rare and not worth a permanent entry.</summary>
    public const int MaxKeyBytes = 64;

    private readonly int _capacity;
    private readonly Dictionary<string, int> _byName = new(StringComparer.Ordinal);

    // Open addressing over the key bytes, so a span's key is found without decoding it to a
    // string; twice the capacity keeps probe chains short.
    private readonly int[] _slots;
    private readonly List<byte[]> _keys = [[]];

    public SpanKeyTable(int capacity = DefaultCapacity)
    {
        if (capacity is < 1 or > 16_000)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "between 1 and 16000 keys (ids must fit two varint bytes)");
        }
        _capacity = capacity;
        _slots = new int[(int)BitOperations.RoundUpToPowerOf2((uint)capacity * 2)];
    }

    /// <summary>Keys numbered so far.</summary>
    public int Count => _keys.Count - 1;

    /// <summary>The id of <paramref name="utf8"/>, numbering it if there is room; 0 when it stays inline.</summary>
    public int GetOrAdd(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty || utf8.Length > MaxKeyBytes)
        {
            return 0;
        }
        var mask = _slots.Length - 1;
        for (var i = Hash(utf8) & mask; ; i = (i + 1) & mask)
        {
            var id = _slots[i];
            if (id == 0)
            {
                // Only keys that round-trip through a string: rules look keys up by name.
                if (Count == _capacity || !System.Text.Unicode.Utf8.IsValid(utf8))
                {
                    return 0;
                }
                id = _keys.Count;
                _keys.Add(utf8.ToArray());
                _byName.Add(Encoding.UTF8.GetString(utf8), id);
                _slots[i] = id;
                return id;
            }
            if (utf8.SequenceEqual(_keys[id]))
            {
                return id;
            }
        }
    }

    /// <summary>The id of <paramref name="key"/>, or 0 if it was never numbered (then it can only be inline).</summary>
    public int Find(string key) => _byName.TryGetValue(key, out var id) ? id : 0;

    /// <summary>The UTF-8 bytes of key <paramref name="id"/>.</summary>
    public ReadOnlySpan<byte> Key(int id) => (uint)id < (uint)_keys.Count && id > 0
        ? _keys[id]
        : throw new ArgumentOutOfRangeException(nameof(id), id, "no such attribute key id");

    private static int Hash(ReadOnlySpan<byte> utf8)
    {
        var hash = new HashCode();
        hash.AddBytes(utf8);
        return hash.ToHashCode() & int.MaxValue;
    }
}
