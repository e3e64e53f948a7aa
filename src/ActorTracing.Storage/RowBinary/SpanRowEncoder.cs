using ActorTracing.Domain;

namespace ActorTracing.Storage;

/// <summary>
/// Encodes kept spans as RowBinary rows of <c>otel_traces</c>, fields in the order of
/// <see cref="TraceSchema.InsertColumns"/> (or, for <see cref="SchemaFlavor.Legacy"/>,
/// <see cref="ServerTraceSchema.InsertColumns"/>), into one reusable buffer per batch. Values follow the
/// upstream exporter: hex ids (empty for a missing parent), Timestamp = start, Duration = end -
/// start in ns, SpanKind/StatusCode as pdata's names ("Server", "Error"), attributes as strings.
/// CompletionReason (<see cref="TraceSchema.DecisionColumns"/>) is written for Modern only: the
/// legacy table has no such column. Not thread-safe: one encoder belongs to one writer.
/// </summary>
public sealed partial class SpanRowEncoder
{
    public const string ServiceNameAttribute = "service.name";

    private const ulong NanosPerSecond = 1_000_000_000;

    private readonly RowBinaryWriter _writer;

    public SpanRowEncoder(int initialCapacity = 256 * 1024, SchemaFlavor flavor = SchemaFlavor.Modern)
    {
        if (!Enum.IsDefined(flavor))
        {
            throw new ArgumentOutOfRangeException(nameof(flavor), flavor, "Unknown schema flavor.");
        }
        _writer = new RowBinaryWriter(initialCapacity);
        Flavor = flavor;
    }

    /// <summary>The column types rows are encoded for; a store must insert into a table of the same flavor.</summary>
    public SchemaFlavor Flavor { get; }

    /// <summary>Rows appended since the last <see cref="Reset"/>.</summary>
    public int Rows { get; private set; }

    public ReadOnlyMemory<byte> Written => _writer.WrittenMemory;

    /// <summary>Starts a new batch: keeps the buffer's memory, forgets rows and cached origins.</summary>
    public void Reset()
    {
        ResetRows();
        ResetOriginCache();
    }

    /// <summary>
    /// Forgets the written rows but keeps the decoded origins: for an encoder that encodes trace by
    /// trace (<see cref="StorageWriter"/>), where a per-trace reset would decode the same resource
    /// again for every trace. The origin cache is bounded here instead.
    /// </summary>
    public void ResetRows()
    {
        _writer.Reset();
        Rows = 0;
        if (DecodedOrigins > MaxCachedOrigins)
        {
            ResetOriginCache();
        }
    }

    /// <summary>Appends one row from a fully decoded span, its resource attributes and scope.</summary>
    /// <param name="completionReason">The decision's completion reason for a span written at its trace's decision; '' for a late span.</param>
    public void Append(
        SpanDetail span,
        IReadOnlyList<KeyValuePair<string, AttributeValue>> resourceAttributes,
        ScopeDetail scope,
        string region,
        string samplingReason,
        uint sampleRate,
        string completionReason = "")
    {
        ArgumentNullException.ThrowIfNull(resourceAttributes);
        AppendRow(span, resourceAttributes, FindServiceName(resourceAttributes), scope, region, samplingReason, sampleRate, completionReason);
    }

    public static string SpanKindName(SpanKind kind) => kind switch
    {
        SpanKind.Internal => "Internal",
        SpanKind.Server => "Server",
        SpanKind.Client => "Client",
        SpanKind.Producer => "Producer",
        SpanKind.Consumer => "Consumer",
        _ => "Unspecified",
    };

    public static string StatusCodeName(SpanStatusCode code) => code switch
    {
        SpanStatusCode.Ok => "Ok",
        SpanStatusCode.Error => "Error",
        _ => "Unset",
    };

    internal static string FindServiceName(IReadOnlyList<KeyValuePair<string, AttributeValue>> resourceAttributes)
    {
        for (var i = 0; i < resourceAttributes.Count; i++)
        {
            if (resourceAttributes[i].Key == ServiceNameAttribute)
            {
                return resourceAttributes[i].Value.AsString();
            }
        }
        return string.Empty;
    }

    private void AppendRow(
        SpanDetail span,
        IReadOnlyList<KeyValuePair<string, AttributeValue>> resourceAttributes,
        string serviceName,
        ScopeDetail scope,
        string region,
        string samplingReason,
        uint sampleRate,
        string completionReason)
    {
        ArgumentNullException.ThrowIfNull(span);
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(completionReason);
        var w = _writer;

        // The order below IS TraceSchema.InsertColumns (ServerTraceSchema.InsertColumns for Legacy,
        // where a time and a map each occupy two adjacent columns).
        WriteTime(span.StartUnixNano);
        _writer.WriteTraceId(span.TraceId);
        _writer.WriteSpanId(span.SpanId);
        _writer.WriteSpanId(span.ParentSpanId);
        w.WriteString(span.TraceState);
        w.WriteString(span.Name);
        w.WriteString(SpanKindName(span.Kind));
        w.WriteString(serviceName);
        WriteMap(resourceAttributes);
        w.WriteString(scope.Name);
        w.WriteString(scope.Version);
        WriteMap(span.Attributes);
        // An inverted clock (bad SDK) would wrap to a huge UInt64; 0 is the honest "unknown".
        w.WriteUInt64(span.EndUnixNano > span.StartUnixNano ? span.EndUnixNano - span.StartUnixNano : 0);
        w.WriteString(StatusCodeName(span.StatusCode));
        w.WriteString(span.StatusMessage);

        var events = span.Events;
        WriteEventTimes(events);
        w.WriteVarUInt((ulong)events.Count);
        for (var i = 0; i < events.Count; i++)
        {
            w.WriteString(events[i].Name);
        }
        WriteMapArray(events, static e => e.Attributes);

        var links = span.Links;
        w.WriteVarUInt((ulong)links.Count);
        for (var i = 0; i < links.Count; i++)
        {
            _writer.WriteTraceId(links[i].TraceId);
        }
        w.WriteVarUInt((ulong)links.Count);
        for (var i = 0; i < links.Count; i++)
        {
            _writer.WriteSpanId(links[i].SpanId);
        }
        w.WriteVarUInt((ulong)links.Count);
        for (var i = 0; i < links.Count; i++)
        {
            w.WriteString(links[i].TraceState);
        }
        WriteMapArray(links, static l => l.Attributes);

        w.WriteString(region);
        w.WriteString(samplingReason);
        w.WriteUInt32(sampleRate);
        if (Flavor == SchemaFlavor.Modern)
        {
            w.WriteString(completionReason);
        }
        Rows++;
    }



    /// <summary>Modern: one DateTime64(9). Legacy: DateTime seconds, then UInt32 nanoseconds within the second.</summary>
    private void WriteTime(ulong unixNanos)
    {
        if (Flavor == SchemaFlavor.Modern)
        {
            _writer.WriteDateTime64Nanos(unixNanos);
            return;
        }
        _writer.WriteDateTimeSeconds(unixNanos);
        _writer.WriteUInt32((uint)(unixNanos % NanosPerSecond));
    }

    /// <summary>Events.Timestamp; Legacy adds the parallel Events.TimestampNanos array.</summary>
    private void WriteEventTimes(IReadOnlyList<SpanEventDetail> events)
    {
        _writer.WriteVarUInt((ulong)events.Count);
        if (Flavor == SchemaFlavor.Modern)
        {
            for (var i = 0; i < events.Count; i++)
            {
                _writer.WriteDateTime64Nanos(events[i].TimeUnixNano);
            }
            return;
        }
        for (var i = 0; i < events.Count; i++)
        {
            _writer.WriteDateTimeSeconds(events[i].TimeUnixNano);
        }
        _writer.WriteVarUInt((ulong)events.Count);
        for (var i = 0; i < events.Count; i++)
        {
            _writer.WriteUInt32((uint)(events[i].TimeUnixNano % NanosPerSecond));
        }
    }


    /// <summary>Modern: one Map. Legacy: a Key array column, then a Value array column.</summary>
    private void WriteMap(IReadOnlyList<KeyValuePair<string, AttributeValue>> attributes)
    {
        _writer.WriteVarUInt((ulong)attributes.Count);
        if (Flavor == SchemaFlavor.Modern)
        {
            for (var i = 0; i < attributes.Count; i++)
            {
                _writer.WriteString(attributes[i].Key);
                _writer.WriteString(attributes[i].Value.AsString());
            }
            return;
        }
        for (var i = 0; i < attributes.Count; i++)
        {
            _writer.WriteString(attributes[i].Key);
        }
        _writer.WriteVarUInt((ulong)attributes.Count);
        for (var i = 0; i < attributes.Count; i++)
        {
            _writer.WriteString(attributes[i].Value.AsString());
        }
    }

    /// <summary>
    /// A Nested column's Attributes: Modern writes Array(Map), Legacy the parallel
    /// Array(Array(String)) key and value columns (18.16 cannot nest a Nested inside a Nested).
    /// </summary>
    private void WriteMapArray<T>(IReadOnlyList<T> items, Func<T, IReadOnlyList<KeyValuePair<string, AttributeValue>>> attributesOf)
    {
        _writer.WriteVarUInt((ulong)items.Count);
        if (Flavor == SchemaFlavor.Modern)
        {
            for (var i = 0; i < items.Count; i++)
            {
                WriteMap(attributesOf(items[i]));
            }
            return;
        }
        for (var i = 0; i < items.Count; i++)
        {
            var attributes = attributesOf(items[i]);
            _writer.WriteVarUInt((ulong)attributes.Count);
            for (var a = 0; a < attributes.Count; a++)
            {
                _writer.WriteString(attributes[a].Key);
            }
        }
        _writer.WriteVarUInt((ulong)items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var attributes = attributesOf(items[i]);
            _writer.WriteVarUInt((ulong)attributes.Count);
            for (var a = 0; a < attributes.Count; a++)
            {
                _writer.WriteString(attributes[a].Value.AsString());
            }
        }
    }
}
