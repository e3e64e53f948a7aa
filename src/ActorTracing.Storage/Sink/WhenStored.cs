namespace ActorTracing.Storage;

/// <summary>
/// What a writer calls once a trace's rows are written: a callback and its arguments, an object
/// and a number.
/// </summary>
/// <remarks>
/// A callback and its state rather than a closure, so a caller that hands every trace to one
/// callback (the node owing a kept trace's receipts) allocates nothing per trace for it. A
/// closure and its delegate per kept trace lived until the trace's batch was written — a second
/// or more — so most of them were promoted by a young collection, and with receipts on every
/// message (the OTLP write-ahead log) they were the largest part of what young collections
/// copied.
/// </remarks>
public readonly struct WhenStored
{
    private readonly Action<object?, long>? _callback;
    private readonly object? _state;
    private readonly long _value;

    /// <param name="callback">Called with <paramref name="state"/> and <paramref name="value"/> once; must not throw or block.</param>
    public WhenStored(Action<object?, long> callback, object? state, long value = 0)
    {
        ArgumentNullException.ThrowIfNull(callback);
        _callback = callback;
        _state = state;
        _value = value;
    }

    /// <summary>Nothing to call (the default).</summary>
    public static WhenStored Nothing => default;

    /// <summary>Whether there is nothing to call.</summary>
    public bool IsNothing => _callback is null;

    /// <summary>Calls <paramref name="action"/>: for callers with one closure per trace anyway (tests, rare paths).</summary>
    public static WhenStored Call(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        return new WhenStored(static (state, _) => ((Action)state!)(), action);
    }

    /// <summary>Calls the callback, if any.</summary>
    public void Invoke() => _callback?.Invoke(_state, _value);
}
