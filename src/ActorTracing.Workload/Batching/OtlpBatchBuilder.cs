using ActorTracing.Domain;
using ActorTracing.Domain.Otlp;

namespace ActorTracing.Workload;

/// <summary>
/// Collects generated spans of many traces and groups them by resource into the ResourceSpans of
/// one export request, as an SDK's batch processor would. The per-resource lists are reused
/// between batches; only the arrays handed out by <see cref="Build"/> are new.
/// </summary>
public sealed class OtlpBatchBuilder
{
    private readonly List<SpanDetail>?[] _byResource;
    private readonly EdgeResource?[] _resources;
    private readonly List<int> _touched = new(16);

    /// <param name="resourceCount">How many resources (by <see cref="EdgeResource.Index"/>) may appear.</param>
    public OtlpBatchBuilder(int resourceCount)
    {
        _byResource = new List<SpanDetail>?[resourceCount];
        _resources = new EdgeResource?[resourceCount];
    }

    public int SpanCount { get; private set; }

    public bool IsEmpty => SpanCount == 0;

    public void Add(GeneratedSpan span)
    {
        var index = span.Resource.Index;
        var list = _byResource[index];
        if (list is null)
        {
            list = new List<SpanDetail>(64);
            _byResource[index] = list;
        }
        if (list.Count == 0)
        {
            _touched.Add(index);
            _resources[index] = span.Resource;
        }
        list.Add(span.Span);
        SpanCount++;
    }

    public void AddRange(IReadOnlyList<GeneratedSpan> spans)
    {
        for (var i = 0; i < spans.Count; i++)
        {
            Add(spans[i]);
        }
    }

    /// <summary>Returns the ResourceSpans of everything added since the last call, and starts empty again.</summary>
    public IReadOnlyList<ResourceSpansDetail> Build()
    {
        var result = new ResourceSpansDetail[_touched.Count];
        for (var t = 0; t < _touched.Count; t++)
        {
            var index = _touched[t];
            var list = _byResource[index]!;
            var resource = _resources[index]!;
            result[t] = new ResourceSpansDetail(resource.Attributes, [new ScopeSpansDetail(resource.Scope, list.ToArray())], EdgeCatalog.SchemaUrl);
            list.Clear();
        }
        _touched.Clear();
        SpanCount = 0;
        return result;
    }

    /// <summary>Groups any spans (e.g. one <see cref="TraceFragment"/>) into ResourceSpans in one go.</summary>
    public static IReadOnlyList<ResourceSpansDetail> Group(IEnumerable<GeneratedSpan> spans)
    {
        var maxIndex = -1;
        var buffered = spans as IReadOnlyList<GeneratedSpan> ?? spans.ToList();
        for (var i = 0; i < buffered.Count; i++)
        {
            maxIndex = Math.Max(maxIndex, buffered[i].Resource.Index);
        }
        var builder = new OtlpBatchBuilder(maxIndex + 1);
        builder.AddRange(buffered);
        return builder.Build();
    }
}
