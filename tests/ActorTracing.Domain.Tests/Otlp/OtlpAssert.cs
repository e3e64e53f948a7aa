using ActorTracing.Domain.Otlp;

namespace ActorTracing.Domain.Tests.Otlp;

/// <summary>Field-by-field equality for the detail records (their lists compare by reference otherwise).</summary>
internal static class OtlpAssert
{
    public static void Equal(IReadOnlyList<ResourceSpansDetail> expected, IReadOnlyList<ResourceSpansDetail> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var r = 0; r < expected.Count; r++)
        {
            Attributes(expected[r].ResourceAttributes, actual[r].ResourceAttributes);
            Assert.Equal(expected[r].SchemaUrl, actual[r].SchemaUrl);
            Assert.Equal(expected[r].ScopeSpans.Count, actual[r].ScopeSpans.Count);
            for (var s = 0; s < expected[r].ScopeSpans.Count; s++)
            {
                var e = expected[r].ScopeSpans[s];
                var a = actual[r].ScopeSpans[s];
                Scope(e.Scope, a.Scope);
                Assert.Equal(e.SchemaUrl, a.SchemaUrl);
                Assert.Equal(e.Spans.Count, a.Spans.Count);
                for (var i = 0; i < e.Spans.Count; i++)
                {
                    Span(e.Spans[i], a.Spans[i]);
                }
            }
        }
    }

    public static void Scope(ScopeDetail expected, ScopeDetail actual)
    {
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.Version, actual.Version);
        Attributes(expected.Attributes, actual.Attributes);
        Assert.Equal(expected.DroppedAttributesCount, actual.DroppedAttributesCount);
    }

    public static void Span(SpanDetail expected, SpanDetail actual)
    {
        Assert.Equal(expected.TraceId, actual.TraceId);
        Assert.Equal(expected.SpanId, actual.SpanId);
        Assert.Equal(expected.ParentSpanId, actual.ParentSpanId);
        Assert.Equal(expected.TraceState, actual.TraceState);
        Assert.Equal(expected.Flags, actual.Flags);
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.Kind, actual.Kind);
        Assert.Equal(expected.StartUnixNano, actual.StartUnixNano);
        Assert.Equal(expected.EndUnixNano, actual.EndUnixNano);
        Attributes(expected.Attributes, actual.Attributes);
        Assert.Equal(expected.DroppedAttributesCount, actual.DroppedAttributesCount);
        Assert.Equal(expected.Events.Count, actual.Events.Count);
        for (var i = 0; i < expected.Events.Count; i++)
        {
            Assert.Equal(expected.Events[i].TimeUnixNano, actual.Events[i].TimeUnixNano);
            Assert.Equal(expected.Events[i].Name, actual.Events[i].Name);
            Attributes(expected.Events[i].Attributes, actual.Events[i].Attributes);
            Assert.Equal(expected.Events[i].DroppedAttributesCount, actual.Events[i].DroppedAttributesCount);
        }
        Assert.Equal(expected.DroppedEventsCount, actual.DroppedEventsCount);
        Assert.Equal(expected.Links.Count, actual.Links.Count);
        for (var i = 0; i < expected.Links.Count; i++)
        {
            Assert.Equal(expected.Links[i].TraceId, actual.Links[i].TraceId);
            Assert.Equal(expected.Links[i].SpanId, actual.Links[i].SpanId);
            Assert.Equal(expected.Links[i].TraceState, actual.Links[i].TraceState);
            Attributes(expected.Links[i].Attributes, actual.Links[i].Attributes);
            Assert.Equal(expected.Links[i].DroppedAttributesCount, actual.Links[i].DroppedAttributesCount);
            Assert.Equal(expected.Links[i].Flags, actual.Links[i].Flags);
        }
        Assert.Equal(expected.DroppedLinksCount, actual.DroppedLinksCount);
        Assert.Equal(expected.StatusCode, actual.StatusCode);
        Assert.Equal(expected.StatusMessage, actual.StatusMessage);
    }

    public static void Attributes(IReadOnlyList<KeyValuePair<string, AttributeValue>> expected, IReadOnlyList<KeyValuePair<string, AttributeValue>> actual)
        => Assert.Equal(expected.ToArray(), actual.ToArray());
}
