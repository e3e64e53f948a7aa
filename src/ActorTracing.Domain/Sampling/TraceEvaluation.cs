using ActorTracing.Domain.Otlp;
using ActorTracing.Domain.Wire;

namespace ActorTracing.Domain.Sampling;

/// <summary>An attribute key a compiled rule set reads, numbered so lookups can be cached in flat arrays.</summary>
internal sealed class AttributeKey(string name, int slot)
{
    public string Name { get; } = name;

    public int Slot { get; } = slot;

    public VirtualField Virtual { get; } = name switch
    {
        VirtualFields.Name => VirtualField.Name,
        VirtualFields.ServiceName => VirtualField.ServiceName,
        VirtualFields.Kind => VirtualField.Kind,
        VirtualFields.StatusCode => VirtualField.StatusCode,
        VirtualFields.Region => VirtualField.Region,
        VirtualFields.DurationMs => VirtualField.DurationMs,
        _ => VirtualField.None,
    };
}

internal enum VirtualField : byte
{
    None,
    Name,
    ServiceName,
    Kind,
    StatusCode,
    Region,
    DurationMs,
}

/// <summary>
/// The per-decision scratch state: the root span, the trace duration, and a cache so each
/// (span, key) pair is decoded from the raw bytes at most once however many conditions read it,
/// and each (resource, key) pair at most once however many spans share the resource. One instance
/// per thread is reused (decisions are synchronous and never re-enter), so a decision allocates
/// nothing once the arrays have grown to the largest trace seen.
/// </summary>
internal sealed class TraceEvaluation
{
    private const byte Unknown = 0;
    private const byte Absent = 1;
    private const byte Present = 2;

    // A plain string value found by TryGetSpanText: where its UTF-8 bytes are in the span's bytes
    // (_textAt), not yet a string in _values.
    private const byte Text = 3;

    private static readonly string[] KindNames = ["unspecified", "internal", "server", "client", "producer", "consumer"];
    private static readonly string[] StatusNames = ["unset", "ok", "error"];

    [ThreadStatic]
    private static TraceEvaluation? t_cached;

    [ThreadStatic]
    private static long t_decodes;

    private readonly Dictionary<SpanOrigin, int> _origins = new(ReferenceEqualityComparer.Instance);
    private TraceSnapshot _trace;
    private int _keyCount;
    private AttributeValue[] _values = [];
    private byte[] _states = [];
    private (int Start, int Length)[] _textAt = [];
    private AttributeValue[] _resourceValues = [];
    private byte[] _resourceStates = [];
    private int _rootIndex;
    private bool _rootComputed;
    private ulong _traceDuration;
    private bool _durationComputed;
    private bool _cacheCleared;

    /// <summary>Attribute decodes (span or resource) on this thread so far; tests assert the cache works.</summary>
    internal static long DecodesOnThisThread => t_decodes;

    public TraceSnapshot Trace => _trace;

    public IReadOnlyList<BufferedSpan> Spans => _trace.Spans;

    public ulong Hash { get; private set; }

    /// <summary>Index of the root span (the earliest-starting one when a buggy SDK sent several), or -1.</summary>
    public int RootIndex
    {
        get
        {
            if (!_rootComputed)
            {
                _rootIndex = FindRoot(_trace.Spans);
                _rootComputed = true;
            }
            return _rootIndex;
        }
    }

    /// <summary>Earliest start to latest end, in nanoseconds; 0 for an empty trace.</summary>
    public ulong TraceDurationNanos
    {
        get
        {
            if (!_durationComputed)
            {
                _traceDuration = ComputeDuration(_trace.Spans);
                _durationComputed = true;
            }
            return _traceDuration;
        }
    }

    public static TraceEvaluation Rent(in TraceSnapshot trace, int keyCount)
    {
        var evaluation = t_cached ?? new TraceEvaluation();
        t_cached = null;
        evaluation.Reset(trace, keyCount);
        return evaluation;
    }

    /// <summary>Hands the instance back to this thread, dropping span references so a decided trace can be collected.</summary>
    public void Return()
    {
        // Stale cached values stay in the arrays (their states are cleared before the next read);
        // only references that would pin the trace's buffers are dropped.
        _trace = default;
        _origins.Clear();
        t_cached = this;
    }

    public bool TryGetAttribute(int spanIndex, AttributeKey key, out AttributeValue value)
    {
        var span = _trace.Spans[spanIndex];
        if (key.Virtual != VirtualField.None)
        {
            return TryGetVirtual(span, key.Virtual, out value);
        }
        EnsureCache();
        var slot = (spanIndex * _keyCount) + key.Slot;
        switch (_states[slot])
        {
            case Present:
                value = _values[slot];
                return true;
            case Absent:
                value = default;
                return false;
            case Text:
                // Read as bytes by a text matcher before; another condition wants the value.
                var (start, length) = _textAt[slot];
                value = AttributeValue.FromString(OtlpAnyValue.ReadUtf8(span.Held.Slice(start, length)));
                _values[slot] = value;
                _states[slot] = Present;
                return true;
        }
        bool found;
        t_decodes++;
        try
        {
            found = span.TryGetAttribute(key.Name, out value) || TryGetResourceAttribute(span.Origin, key, out value);
        }
        catch (ProtoFormatException)
        {
            // Ingest validated the framing, not every attribute; a span whose attributes do not
            // decode simply has none, rather than failing the whole trace's decision.
            found = false;
            value = default;
        }
        _states[slot] = found ? Present : Absent;
        _values[slot] = value;
        return found;
    }

    /// <summary>
    /// The span's own attribute <paramref name="key"/> as UTF-8 bytes read in place, when it is a
    /// plain string of valid UTF-8; otherwise false, and the caller asks
    /// <see cref="TryGetAttribute"/> (virtual fields, other value kinds, resource attributes,
    /// values already decoded, malformed bytes). For matchers of long values (a user agent is
    /// 70-200 bytes, past the string cache's limit): making a string of one per decided trace was
    /// ~15 % of what a node allocated at 200k spans/s. Where the bytes are is remembered, so the
    /// span is searched once per key however many conditions read it; they are valid as long as
    /// the evaluation (the trace's buffer outlives the decision).
    /// </summary>
    public bool TryGetSpanText(int spanIndex, AttributeKey key, out ReadOnlySpan<byte> utf8)
    {
        utf8 = default;
        if (key.Virtual != VirtualField.None)
        {
            return false;
        }
        EnsureCache();
        var slot = (spanIndex * _keyCount) + key.Slot;
        var span = _trace.Spans[spanIndex];
        if (_states[slot] == Text)
        {
            var (start, length) = _textAt[slot];
            utf8 = span.Held.Slice(start, length);
            return true;
        }
        if (_states[slot] != Unknown)
        {
            return false;
        }
        try
        {
            if (!span.TryGetAttributeBytes(key.Name, out var anyValue)
                || !OtlpAttributes.TryReadPlainString(anyValue, out utf8)
                || !System.Text.Unicode.Utf8.IsValid(utf8))
            {
                utf8 = default;
                return false;
            }
        }
        catch (ProtoFormatException)
        {
            utf8 = default;
            return false;
        }
        t_decodes++;
        span.Held.Overlaps(utf8, out var offset);
        _textAt[slot] = (offset, utf8.Length);
        _states[slot] = Text;
        return true;
    }

    private static bool TryGetVirtual(BufferedSpan span, VirtualField field, out AttributeValue value)
    {
        switch (field)
        {
            case VirtualField.Name:
                value = AttributeValue.FromString(span.Name);
                return true;
            case VirtualField.ServiceName:
                value = AttributeValue.FromString(span.Origin.ServiceName);
                return span.Origin.ServiceName.Length > 0;
            case VirtualField.Region:
                value = AttributeValue.FromString(span.Origin.Region);
                return span.Origin.Region.Length > 0;
            case VirtualField.Kind:
                value = AttributeValue.FromString((int)span.Kind < KindNames.Length ? KindNames[(int)span.Kind] : "unspecified");
                return true;
            case VirtualField.StatusCode:
                value = AttributeValue.FromString((int)span.Status < StatusNames.Length ? StatusNames[(int)span.Status] : "unset");
                return true;
            case VirtualField.DurationMs:
                value = AttributeValue.FromDouble(span.DurationNanos / 1_000_000.0);
                return true;
            default:
                value = default;
                return false;
        }
    }

    private bool TryGetResourceAttribute(SpanOrigin origin, AttributeKey key, out AttributeValue value)
    {
        if (origin.Resource.Length == 0)
        {
            value = default;
            return false;
        }
        if (!_origins.TryGetValue(origin, out var originIndex))
        {
            originIndex = _origins.Count;
            _origins.Add(origin, originIndex);
            var needed = (originIndex + 1) * _keyCount;
            if (_resourceStates.Length < needed)
            {
                Array.Resize(ref _resourceStates, Math.Max(needed, _resourceStates.Length * 2));
                Array.Resize(ref _resourceValues, _resourceStates.Length);
            }
            Array.Clear(_resourceStates, originIndex * _keyCount, _keyCount);
        }
        var slot = (originIndex * _keyCount) + key.Slot;
        switch (_resourceStates[slot])
        {
            case Present:
                value = _resourceValues[slot];
                return true;
            case Absent:
                value = default;
                return false;
        }
        t_decodes++;
        var found = OtlpAttributes.TryFindInResource(origin.Resource, key.Name, out value);
        _resourceStates[slot] = found ? Present : Absent;
        _resourceValues[slot] = value;
        return found;
    }

    private void Reset(in TraceSnapshot trace, int keyCount)
    {
        _trace = trace;
        _keyCount = keyCount;
        _rootComputed = false;
        _durationComputed = false;
        _cacheCleared = false;
        Hash = trace.TraceId.StableHash();
    }

    private void EnsureCache()
    {
        // Cleared lazily: rule sets that never read an attribute (errors, latency, span count)
        // pay nothing for the cache.
        if (_cacheCleared)
        {
            return;
        }
        var needed = _trace.Spans.Count * _keyCount;
        if (_states.Length < needed)
        {
            _states = new byte[needed];
            _values = new AttributeValue[needed];
            _textAt = new (int, int)[needed];
        }
        else
        {
            Array.Clear(_states, 0, needed);
        }
        _cacheCleared = true;
    }

    private static int FindRoot(IReadOnlyList<BufferedSpan> spans)
    {
        var root = -1;
        for (var i = 0; i < spans.Count; i++)
        {
            if (spans[i].IsRoot && (root < 0 || spans[i].StartUnixNano < spans[root].StartUnixNano))
            {
                root = i;
            }
        }
        return root;
    }

    private static ulong ComputeDuration(IReadOnlyList<BufferedSpan> spans)
    {
        if (spans.Count == 0)
        {
            return 0;
        }
        var start = ulong.MaxValue;
        var end = ulong.MinValue;
        for (var i = 0; i < spans.Count; i++)
        {
            start = Math.Min(start, spans[i].StartUnixNano);
            end = Math.Max(end, spans[i].EndUnixNano);
        }
        return end > start ? end - start : 0;
    }
}
