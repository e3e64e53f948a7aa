using System.Buffers.Binary;
using ActorTracing.Domain;
using ActorTracing.Domain.Otlp;
using ActorTracing.Domain.Wire;

namespace ActorTracing.Workload;

/// <summary>
/// A pool of traces generated once by <see cref="EdgeTrafficModel"/> and kept as encoded OTLP
/// <c>Span</c> bytes, so the generator can send traffic of the same shape without building and
/// encoding object graphs per span. The model costs ~1 µs of CPU per span (generation plus
/// encoding; WorkloadBenchmarks: 1,009 ns against 80 ns replayed); at 200k spans/s that alone is a
/// fifth of a core taken from the node under test on a shared machine. Replaying a template is a
/// copy plus a few patches per span.
/// </summary>
/// <remarks>
/// For every span the pool remembers where the fields that must differ between replays sit: the
/// trace id, span and parent ids (XORed with a per-trace mask so ids are fresh but parents still
/// match), start/end and event times (shifted to the schedule), and link targets. Field lengths
/// never change, so a patched span is byte-for-byte what the encoder would have written for those
/// values. Immutable after construction: one pool can serve any number of schedulers.
/// </remarks>
public sealed class TraceTemplatePool
{
    /// <summary>Templates a generator replays unless told otherwise: ~16k spans, ~5 MB, ~0.2 s to build (mostly JIT).</summary>
    public const int DefaultSize = 4096;

    /// <summary>
    /// Every template's root ends at this Unix time (2001-09-09); replay adds (intended end − this)
    /// to each timestamp. Far enough from zero that no start time of a slow, skewed trace underflows.
    /// </summary>
    internal const ulong BaseUnixNano = 1_000_000_000_000_000_000UL;

    // OTLP field numbers (opentelemetry-proto trace/v1) of the fields replay rewrites.
    private const int SpanTraceIdField = 1;
    private const int SpanSpanIdField = 2;
    private const int SpanParentSpanIdField = 4;
    private const int SpanStartTimeField = 7;
    private const int SpanEndTimeField = 8;
    private const int SpanEventsField = 11;
    private const int SpanLinksField = 13;
    private const int EventTimeField = 1;
    private const int LinkTraceIdField = 1;
    private const int LinkSpanIdField = 2;

    // Tags (field << 3 | wire type 2) of the framing a request puts around spans.
    internal const byte ScopeSpansSpansTag = (2 << 3) | 2;
    private const byte ResourceTag = (1 << 3) | 2;
    private const byte ScopeTag = (1 << 3) | 2;
    private const byte SchemaUrlTag = (3 << 3) | 2;

    private readonly byte[] _bytes;
    private readonly TemplateSpan[] _spans;
    private readonly ulong[] _spanIds;
    private readonly TemplatePatch[] _patches;
    private readonly TemplateFragment[] _fragments;
    private readonly TemplateTrace[] _traces;
    private readonly EdgeResource[] _resources;
    private readonly byte[][] _resourceFields;
    private readonly byte[][] _scopeFields;
    private readonly byte[] _schemaUrlField;

    private TraceTemplatePool(
        byte[] bytes,
        TemplateSpan[] spans,
        ulong[] spanIds,
        TemplatePatch[] patches,
        TemplateFragment[] fragments,
        TemplateTrace[] traces,
        EdgeResource[] resources)
    {
        _bytes = bytes;
        _spans = spans;
        _spanIds = spanIds;
        _patches = patches;
        _fragments = fragments;
        _traces = traces;
        _resources = resources;
        _resourceFields = new byte[resources.Length][];
        _scopeFields = new byte[resources.Length][];
        for (var r = 0; r < resources.Length; r++)
        {
            _resourceFields[r] = Field(ResourceTag, OtlpEncoder.EncodeResource(resources[r].Attributes));
            _scopeFields[r] = Field(ScopeTag, OtlpEncoder.EncodeScope(resources[r].Scope));
        }
        _schemaUrlField = Field(SchemaUrlTag, System.Text.Encoding.UTF8.GetBytes(EdgeCatalog.SchemaUrl));
        SpanCount = spans.Length;
        Bytes = bytes.Length;
    }

    /// <summary>How many traces the pool holds.</summary>
    public int Count => _traces.Length;

    /// <summary>Spans over all templates.</summary>
    public int SpanCount { get; }

    /// <summary>Encoded span bytes over all templates (the pool's memory, roughly).</summary>
    public long Bytes { get; }

    /// <summary>The resources spans are exported under, indexed by <see cref="EdgeResource.Index"/>.</summary>
    public IReadOnlyList<EdgeResource> Resources => _resources;

    /// <summary>
    /// Generates <paramref name="traces"/> traces with a model seeded by <paramref name="seed"/>
    /// (so the same seed gives the same pool) and keeps them as templates.
    /// </summary>
    public static TraceTemplatePool Generate(long seed, int traces = DefaultSize, EdgeTrafficOptions? traffic = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(traces);
        var model = new EdgeTrafficModel(seed, traffic);
        var scenarios = new TraceScenario[traces];
        for (var i = 0; i < traces; i++)
        {
            scenarios[i] = model.NextTrace(BaseUnixNano);
        }
        return FromScenarios(scenarios, model.Resources);
    }

    /// <summary>Keeps already generated traces as templates (they must all end at <see cref="BaseUnixNano"/>).</summary>
    internal static TraceTemplatePool FromScenarios(IReadOnlyList<TraceScenario> scenarios, IReadOnlyList<EdgeResource> resources)
    {
        var regionIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var r = 0; r < EdgeCatalog.RegionCodes.Length; r++)
        {
            regionIndex[EdgeCatalog.RegionCodes[r]] = r;
        }
        var bytes = new ProtoWriter(1 << 20);
        var spans = new List<TemplateSpan>(scenarios.Count * 4);
        var spanIds = new List<ulong>(scenarios.Count * 4);
        var patches = new List<TemplatePatch>(scenarios.Count * 20);
        var fragments = new List<TemplateFragment>(scenarios.Count + (scenarios.Count / 8));
        var traces = new TemplateTrace[scenarios.Count];
        for (var t = 0; t < scenarios.Count; t++)
        {
            var scenario = scenarios[t];
            var firstFragment = fragments.Count;
            var firstSpan = spans.Count;
            foreach (var fragment in scenario.Fragments)
            {
                var fragmentFirstSpan = spans.Count;
                foreach (var generated in fragment.Spans)
                {
                    var content = OtlpEncoder.EncodeSpan(generated.Span);
                    var offset = bytes.Length;
                    bytes.WriteBytesField(2, content);
                    var header = bytes.Length - offset - content.Length;
                    var firstPatch = patches.Count;
                    FindPatches(content, header, scenario.Truth.TraceId, patches);
                    spans.Add(new TemplateSpan(offset, bytes.Length - offset, generated.Resource.Index, firstPatch, patches.Count - firstPatch));
                    spanIds.Add(generated.Span.SpanId.Value);
                }
                fragments.Add(new TemplateFragment(regionIndex[fragment.Region], fragmentFirstSpan, spans.Count - fragmentFirstSpan, fragment.ExportDelay.Ticks * 100));
            }
            var truth = scenario.Truth;
            traces[t] = new TemplateTrace(firstFragment, fragments.Count - firstFragment, firstSpan, spans.Count - firstSpan, TraceShape.Of(truth), truth.RootSpanId.Value, truth);
        }
        return new TraceTemplatePool(bytes.ToArray(), [.. spans], [.. spanIds], [.. patches], [.. fragments], traces, [.. resources]);
    }

    internal TraceGroundTruth Truth(int trace) => _traces[trace].Truth;

    internal TemplateTrace Trace(int trace) => _traces[trace];

    internal TemplateFragment Fragment(int fragment) => _fragments[fragment];

    internal TemplateSpan Span(int span) => _spans[span];

    internal ulong SpanIdOf(int span) => _spanIds[span];

    /// <summary>Resource { attributes } as the ResourceSpans.resource field (tag and length included).</summary>
    internal ReadOnlySpan<byte> ResourceField(int resource) => _resourceFields[resource];

    /// <summary>InstrumentationScope as the ScopeSpans.scope field (tag and length included).</summary>
    internal ReadOnlySpan<byte> ScopeField(int resource) => _scopeFields[resource];

    /// <summary>ResourceSpans.schema_url as a field.</summary>
    internal ReadOnlySpan<byte> SchemaUrlField => _schemaUrlField;

    /// <summary>
    /// Writes one span of a replayed fragment as a ScopeSpans.spans field into <paramref name="destination"/>
    /// (at least <see cref="TemplateSpan.Length"/> bytes) with the trace's ids and times.
    /// </summary>
    internal void WriteSpan(int span, Span<byte> destination, in ReplayFragment fragment)
    {
        var s = _spans[span];
        var target = destination[..s.Length];
        _bytes.AsSpan(s.Offset, s.Length).CopyTo(target);
        var patches = _patches.AsSpan(s.FirstPatch, s.PatchCount);
        for (var i = 0; i < patches.Length; i++)
        {
            var at = target[patches[i].At..];
            switch (patches[i].Kind)
            {
                case PatchKind.TraceId:
                    fragment.TraceId.WriteTo(at);
                    break;
                case PatchKind.SpanId:
                    BinaryPrimitives.WriteUInt64BigEndian(at, BinaryPrimitives.ReadUInt64BigEndian(at) ^ fragment.SpanMask);
                    break;
                case PatchKind.Time:
                    BinaryPrimitives.WriteUInt64LittleEndian(at, unchecked(BinaryPrimitives.ReadUInt64LittleEndian(at) + fragment.TimeShift));
                    break;
                case PatchKind.LinkTraceId:
                    fragment.LinkTrace.WriteTo(at);
                    break;
                default:
                    BinaryPrimitives.WriteUInt64BigEndian(at, fragment.LinkSpan);
                    break;
            }
        }
    }

    private static byte[] Field(byte tag, byte[] content)
    {
        var writer = new ProtoWriter(content.Length + 8);
        writer.WriteVarint(tag);
        writer.WriteVarint((uint)content.Length);
        writer.WriteRaw(content);
        return writer.ToArray();
    }

    /// <summary>Records where ids, times and link targets sit in one encoded span (offsets from the field's tag).</summary>
    private static void FindPatches(ReadOnlySpan<byte> content, int header, TraceId ownTrace, List<TemplatePatch> patches)
    {
        var traceIds = 0;
        var reader = new ProtoReader(content);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case SpanTraceIdField when wire == WireType.LengthDelimited:
                    RequireLength(reader.ReadLengthDelimited(out var traceAt), TraceId.ByteLength, "Span.trace_id");
                    patches.Add(new TemplatePatch(header + traceAt, PatchKind.TraceId));
                    traceIds++;
                    break;
                case SpanSpanIdField or SpanParentSpanIdField when wire == WireType.LengthDelimited:
                    RequireLength(reader.ReadLengthDelimited(out var idAt), SpanId.ByteLength, "Span.span_id/parent_span_id");
                    patches.Add(new TemplatePatch(header + idAt, PatchKind.SpanId));
                    break;
                case SpanStartTimeField or SpanEndTimeField when wire == WireType.Fixed64:
                    patches.Add(new TemplatePatch(header + reader.Position, PatchKind.Time));
                    reader.ReadFixed64();
                    break;
                case SpanEventsField when wire == WireType.LengthDelimited:
                    var eventBytes = reader.ReadLengthDelimited(out var eventAt);
                    var ev = new ProtoReader(eventBytes);
                    while (ev.TryReadTag(out var eventField, out var eventWire))
                    {
                        if (eventField == EventTimeField && eventWire == WireType.Fixed64)
                        {
                            patches.Add(new TemplatePatch(header + eventAt + ev.Position, PatchKind.Time));
                        }
                        ev.Skip(eventWire);
                    }
                    break;
                case SpanLinksField when wire == WireType.LengthDelimited:
                    FindLinkPatches(reader.ReadLengthDelimited(out var linkAt), header + linkAt, ownTrace, patches);
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }
        if (traceIds != 1)
        {
            throw new InvalidOperationException($"a template span has {traceIds} trace_id fields, expected 1");
        }
    }

    /// <summary>
    /// A link inside the trace keeps pointing inside it (same id rewrite as the span's own ids). A link
    /// to another trace is the model's follows-from link to the request generated just before; replay
    /// points it at the trace it emitted just before, so the link still names a trace that was sent.
    /// </summary>
    private static void FindLinkPatches(ReadOnlySpan<byte> link, int linkAt, TraceId ownTrace, List<TemplatePatch> patches)
    {
        var reader = new ProtoReader(link);
        var traceAt = -1;
        var spanAt = -1;
        var internalLink = false;
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == LinkTraceIdField && wire == WireType.LengthDelimited)
            {
                var id = reader.ReadLengthDelimited(out var at);
                RequireLength(id, TraceId.ByteLength, "Link.trace_id");
                internalLink = TraceId.TryRead(id, out var linked) && linked == ownTrace;
                traceAt = at;
            }
            else if (field == LinkSpanIdField && wire == WireType.LengthDelimited)
            {
                RequireLength(reader.ReadLengthDelimited(out var at), SpanId.ByteLength, "Link.span_id");
                spanAt = at;
            }
            else
            {
                reader.Skip(wire);
            }
        }
        if (traceAt >= 0)
        {
            patches.Add(new TemplatePatch(linkAt + traceAt, internalLink ? PatchKind.TraceId : PatchKind.LinkTraceId));
        }
        if (spanAt >= 0)
        {
            patches.Add(new TemplatePatch(linkAt + spanAt, internalLink ? PatchKind.SpanId : PatchKind.LinkSpanId));
        }
    }

    private static void RequireLength(ReadOnlySpan<byte> value, int expected, string field)
    {
        if (value.Length != expected)
        {
            throw new InvalidOperationException($"a template span's {field} is {value.Length} bytes, expected {expected}");
        }
    }
}
