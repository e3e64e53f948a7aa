using ActorTracing.Domain.Otlp;
using ActorTracing.Domain.Wire;

namespace ActorTracing.Domain.Tests.Otlp;

public sealed class OtlpTraceDecoderSpec
{
    [Fact]
    public void Spans_are_grouped_per_trace_in_order_of_first_appearance()
    {
        var result = OtlpTraceDecoder.Decode(OtlpEncoder.EncodeRequest(OtlpSamples.Rich()), "local");

        Assert.Equal(5, result.AcceptedSpans);
        Assert.Equal(0, result.RejectedSpans);
        Assert.Null(result.ErrorMessage);
        Assert.Equal([OtlpSamples.TraceA, OtlpSamples.TraceB], result.Traces.Select(t => t.TraceId));
        Assert.Equal([1UL, 3, 4], result.Traces[0].Spans.Select(s => s.SpanId.Value));
        Assert.Equal([2UL, 5], result.Traces[1].Spans.Select(s => s.SpanId.Value));
        Assert.All(result.Traces, t => Assert.All(t.Spans, s => Assert.Equal(t.TraceId, s.TraceId)));
    }

    [Fact]
    public void A_requests_grouping_never_leaks_into_the_next_one_on_the_thread_even_after_a_malformed_one()
    {
        // The trace index is one per thread, reused: after a request that threw half-way
        // (valid spans of both traces read, then a truncated field) it must be empty again.
        var valid = OtlpEncoder.EncodeRequest(OtlpSamples.Rich());
        byte[] truncated = [.. valid, 0x0A, 100, 1, 2];
        Assert.ThrowsAny<FormatException>(() => OtlpTraceDecoder.Decode(truncated, "local"));

        var onlyB = OtlpEncoder.EncodeRequest([new ResourceSpansDetail(OtlpSamples.Resource("svc"), [new ScopeSpansDetail(OtlpSamples.Scope(), [OtlpSamples.MinimalSpan(OtlpSamples.TraceB, 9)])])]);
        var result = OtlpTraceDecoder.Decode(onlyB, "local");

        var trace = Assert.Single(result.Traces);
        Assert.Equal(OtlpSamples.TraceB, trace.TraceId);
        Assert.Equal([9UL], trace.Spans.Select(s => s.SpanId.Value));
        Assert.Equal(2, OtlpTraceDecoder.Decode(valid, "local").Traces.Count);
    }

    [Fact]
    public void The_hot_fields_are_decoded_and_raw_is_the_span_message_as_sent()
    {
        var full = OtlpSamples.FullSpan(OtlpSamples.TraceA, 1, 9);
        var request = OtlpEncoder.EncodeRequest([new ResourceSpansDetail(OtlpSamples.Resource("svc"), [new ScopeSpansDetail(OtlpSamples.Scope(), [full])])]);

        var span = Assert.Single(Assert.Single(OtlpTraceDecoder.Decode(request, "local").Traces).Spans);

        Assert.Equal(full.TraceId, span.TraceId);
        Assert.Equal(full.SpanId, span.SpanId);
        Assert.Equal(full.ParentSpanId, span.ParentSpanId);
        Assert.Equal(full.StartUnixNano, span.StartUnixNano);
        Assert.Equal(full.EndUnixNano, span.EndUnixNano);
        Assert.Equal(full.Name, span.Name);
        Assert.Equal(SpanKind.Server, span.Kind);
        Assert.Equal(SpanStatusCode.Error, span.Status);
        Assert.Equal(OtlpEncoder.EncodeSpan(full), span.Raw.ToArray());
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(span.Raw, out var segment));
        Assert.Same(request, segment.Array);
        OtlpAssert.Span(full, OtlpSpanDecoder.DecodeSpan(span.Raw.Span));
        Assert.True(span.TryGetAttribute("i", out var i));
        Assert.Equal(-42, i.Int);
    }

    [Fact]
    public void One_origin_is_shared_per_scope_spans_with_service_region_and_schema_urls()
    {
        var result = OtlpTraceDecoder.Decode(OtlpEncoder.EncodeRequest(OtlpSamples.Rich()), "local-region");
        var spans = result.Traces.SelectMany(t => t.Spans).ToDictionary(s => s.SpanId.Value);

        Assert.Same(spans[1].Origin, spans[2].Origin);
        Assert.Same(spans[1].Origin, spans[3].Origin);
        Assert.NotSame(spans[1].Origin, spans[4].Origin);
        Assert.Equal("checkout", spans[1].Origin.ServiceName);
        Assert.Equal("eu-west-1", spans[1].Origin.Region);
        Assert.Equal("https://opentelemetry.io/schemas/1.20.0", spans[1].Origin.ResourceSchemaUrl);
        Assert.Equal("https://opentelemetry.io/schemas/1.21.0", spans[1].Origin.ScopeSchemaUrl);
        Assert.Equal("db", OtlpSpanDecoder.DecodeScope(spans[4].Origin.Scope).Name);
        Assert.Equal("payments", spans[5].Origin.ServiceName);
        Assert.Equal("local-region", spans[5].Origin.Region);
        OtlpAssert.Attributes(OtlpSamples.Resource("payments"), OtlpSpanDecoder.DecodeResourceAttributes(spans[5].Origin.Resource));
    }

    [Fact]
    public void Origins_with_the_same_bytes_are_shared_across_requests()
    {
        var request = OtlpEncoder.EncodeRequest(OtlpSamples.Rich());
        var first = OtlpTraceDecoder.Decode(request, "local-region").Traces.SelectMany(t => t.Spans).ToDictionary(s => s.SpanId.Value);
        var second = OtlpTraceDecoder.Decode(request.ToArray(), "local-region").Traces.SelectMany(t => t.Spans).ToDictionary(s => s.SpanId.Value);
        var elsewhere = OtlpTraceDecoder.Decode(request.ToArray(), "other-region").Traces.SelectMany(t => t.Spans).ToDictionary(s => s.SpanId.Value);

        Assert.Same(first[1].Origin, second[1].Origin);
        Assert.Same(first[5].Origin, second[5].Origin);
        // Without cloud.region the origin's region is the receiving node's: not the same origin.
        Assert.NotSame(first[5].Origin, elsewhere[5].Origin);
        Assert.Equal("other-region", elsewhere[5].Origin.Region);
        Assert.Equal("local-region", second[5].Origin.Region);
    }

    [Fact]
    public void Origins_differing_only_in_scope_or_schema_url_are_not_shared()
    {
        ResourceSpansDetail Request(string scopeName, string scopeSchema)
            => new(OtlpSamples.Resource("svc"), [new ScopeSpansDetail(new ScopeDetail(scopeName, "1.0", []), [OtlpSamples.FullSpan(OtlpSamples.TraceA, 1, 0)], scopeSchema)]);

        var a = Assert.Single(Assert.Single(OtlpTraceDecoder.Decode(OtlpEncoder.EncodeRequest([Request("a", "s1")]), "r").Traces).Spans).Origin;
        var b = Assert.Single(Assert.Single(OtlpTraceDecoder.Decode(OtlpEncoder.EncodeRequest([Request("b", "s1")]), "r").Traces).Spans).Origin;
        var c = Assert.Single(Assert.Single(OtlpTraceDecoder.Decode(OtlpEncoder.EncodeRequest([Request("a", "s2")]), "r").Traces).Spans).Origin;

        Assert.NotSame(a, b);
        Assert.NotSame(a, c);
        Assert.Equal("b", OtlpSpanDecoder.DecodeScope(b.Scope).Name);
        Assert.Equal("s2", c.ScopeSchemaUrl);
    }

    [Fact]
    public void A_large_resource_is_decoded_correctly_without_being_shared()
    {
        IReadOnlyList<KeyValuePair<string, AttributeValue>> big =
            [new("service.name", AttributeValue.FromString("big")), new("blob", AttributeValue.FromString(new string('x', 4096)))];
        var request = OtlpEncoder.EncodeRequest([new ResourceSpansDetail(big, [new ScopeSpansDetail(OtlpSamples.Scope(), [OtlpSamples.FullSpan(OtlpSamples.TraceA, 1, 0)])])]);

        var first = Assert.Single(Assert.Single(OtlpTraceDecoder.Decode(request, "r").Traces).Spans).Origin;
        var second = Assert.Single(Assert.Single(OtlpTraceDecoder.Decode(request, "r").Traces).Spans).Origin;

        Assert.NotSame(first, second);
        Assert.Equal("big", second.ServiceName);
        Assert.Equal(first.Resource, second.Resource);
    }

    [Fact]
    public void Spans_with_invalid_ids_are_rejected_and_counted_while_valid_ones_survive()
    {
        var writer = new ProtoWriter();
        var rs = writer.BeginMessage(1);
        var ss = writer.BeginMessage(2);
        WriteSpan(writer, new byte[16].Select((_, i) => (byte)(i + 1)).ToArray(), [0, 0, 0, 0, 0, 0, 0, 1], []); // 0: valid
        WriteSpan(writer, [1, 2, 3, 4, 5, 6, 7, 8], [0, 0, 0, 0, 0, 0, 0, 2], []);                          // 1: 8-byte trace id
        WriteSpan(writer, new byte[16], [0, 0, 0, 0, 0, 0, 0, 3], []);                                    // 2: zero trace id
        WriteSpan(writer, Enumerable.Repeat((byte)9, 16).ToArray(), new byte[8], []);                       // 3: zero span id
        WriteSpan(writer, Enumerable.Repeat((byte)9, 16).ToArray(), [1, 2, 3], []);                         // 4: short span id
        WriteSpan(writer, Enumerable.Repeat((byte)9, 16).ToArray(), [0, 0, 0, 0, 0, 0, 0, 6], [1, 2, 3, 4]); // 5: 4-byte parent
        WriteSpan(writer, Enumerable.Repeat((byte)9, 16).ToArray(), [0, 0, 0, 0, 0, 0, 0, 7], new byte[8]);  // 6: zero parent = root
        writer.EndMessage(ss);
        writer.EndMessage(rs);

        var result = OtlpTraceDecoder.Decode(writer.ToArray(), "local");

        Assert.Equal(2, result.AcceptedSpans);
        Assert.Equal(5, result.RejectedSpans);
        Assert.Equal("5 spans rejected: span 1 of resource 0, scope 0 has a trace_id of 8 bytes, expected 16", result.ErrorMessage);
        Assert.Equal([1UL, 7], result.Traces.SelectMany(t => t.Spans).Select(s => s.SpanId.Value));
        Assert.True(result.Traces[1].Spans[0].IsRoot);
    }

    [Theory]
    [InlineData(new byte[0], new byte[] { 0, 0, 0, 0, 0, 0, 0, 1 }, new byte[0], "has a trace_id of 0 bytes, expected 16")]
    [InlineData(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, new byte[] { 0, 0, 0, 0, 0, 0, 0, 1 }, new byte[0], "has an all-zero trace_id")]
    [InlineData(new byte[] { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, new byte[] { 0, 0, 0, 0, 0, 0, 0, 0 }, new byte[0], "has an all-zero span_id")]
    [InlineData(new byte[] { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, new byte[] { 1 }, new byte[0], "has a span_id of 1 bytes, expected 8")]
    [InlineData(new byte[] { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, new byte[] { 0, 0, 0, 0, 0, 0, 0, 1 }, new byte[] { 1, 2 }, "has a parent_span_id of 2 bytes, expected 0 or 8")]
    public void A_single_rejected_span_is_reported_with_its_reason(byte[] traceId, byte[] spanId, byte[] parent, string reason)
    {
        var writer = new ProtoWriter();
        var rs = writer.BeginMessage(1);
        var ss = writer.BeginMessage(2);
        WriteSpan(writer, traceId, spanId, parent);
        writer.EndMessage(ss);
        writer.EndMessage(rs);

        var result = OtlpTraceDecoder.Decode(writer.ToArray(), "local");

        Assert.Equal(0, result.AcceptedSpans);
        Assert.Equal(1, result.RejectedSpans);
        Assert.Empty(result.Traces);
        Assert.Equal("1 span rejected: span 0 of resource 0, scope 0 " + reason, result.ErrorMessage);
    }

    [Fact]
    public void An_empty_request_decodes_to_nothing()
    {
        var result = OtlpTraceDecoder.Decode(ReadOnlyMemory<byte>.Empty, "local");

        Assert.Empty(result.Traces);
        Assert.Equal(0, result.AcceptedSpans);
        Assert.Null(result.ErrorMessage);
    }

    [Fact]
    public void Unknown_fields_are_skipped_and_fields_in_any_order_are_read()
    {
        var writer = new ProtoWriter();
        writer.WriteStringField(99, "future request field");
        var rs = writer.BeginMessage(1);
        writer.WriteStringField(3, "resource-schema");
        var ss = writer.BeginMessage(2);
        var span = writer.BeginMessage(2);
        writer.WriteFixed64Field(8, 20);
        writer.WriteStringField(5, "late-name");
        writer.WriteFixed32Field(77, 1);
        writer.WriteVarintField(78, 5);
        writer.WriteFixed64Field(79, 5);
        writer.WriteBytesField(2, [0, 0, 0, 0, 0, 0, 0, 5]);
        writer.WriteBytesField(1, Enumerable.Repeat((byte)3, 16).ToArray());
        writer.WriteFixed64Field(7, 10);
        writer.EndMessage(span);
        writer.WriteStringField(3, "scope-schema");
        writer.EndMessage(ss);
        var resource = writer.BeginMessage(1);
        var kv = writer.BeginMessage(1);
        writer.WriteStringField(1, "service.name");
        var value = writer.BeginMessage(2);
        writer.WriteStringField(1, "late-resource");
        writer.EndMessage(value);
        writer.EndMessage(kv);
        writer.EndMessage(resource);
        writer.EndMessage(rs);

        var decoded = Assert.Single(Assert.Single(OtlpTraceDecoder.Decode(writer.ToArray(), "local").Traces).Spans);

        Assert.Equal("late-name", decoded.Name);
        Assert.Equal(10UL, decoded.StartUnixNano);
        Assert.Equal(20UL, decoded.EndUnixNano);
        Assert.Equal("late-resource", decoded.Origin.ServiceName);
        Assert.Equal("resource-schema", decoded.Origin.ResourceSchemaUrl);
        Assert.Equal("scope-schema", decoded.Origin.ScopeSchemaUrl);
    }

    [Fact]
    public void Repeated_span_names_share_one_string_instance_across_requests()
    {
        var first = OtlpTraceDecoder.Decode(OtlpEncoder.EncodeRequest(OtlpSamples.Rich()), "local");
        var second = OtlpTraceDecoder.Decode(OtlpEncoder.EncodeRequest(OtlpSamples.Rich()), "local");

        Assert.Same(first.Traces[0].Spans[0].Name, second.Traces[0].Spans[0].Name);
        Assert.Same(first.Traces[0].Spans[0].Name, first.Traces[0].Spans[1].Name);
    }

    [Fact]
    public void A_requests_traces_are_its_own_exact_array_which_the_next_decode_on_the_thread_leaves_alone()
    {
        // The decoder gathers traces in a list of the thread's; what it hands out must be a copy.
        static byte[] Request(ulong firstTrace, int traces) => OtlpEncoder.EncodeRequest([new ResourceSpansDetail(OtlpSamples.Resource("svc"), [new ScopeSpansDetail(OtlpSamples.Scope(),
            Enumerable.Range(0, traces).Select(t => OtlpSamples.MinimalSpan(new TraceId(7, firstTrace + (ulong)t), 1, 0, "op")).ToList())])]);

        var first = OtlpTraceDecoder.Decode(Request(100, 3), "local");
        var second = OtlpTraceDecoder.Decode(Request(200, 5), "local");

        Assert.Equal(3, Assert.IsType<TraceSpans[]>(first.Traces).Length);
        Assert.Equal([100UL, 101UL, 102UL], first.Traces.Select(t => t.TraceId.Low));
        Assert.Equal([200UL, 201UL, 202UL, 203UL, 204UL], second.Traces.Select(t => t.TraceId.Low));
    }

    [Fact]
    public void A_transient_decode_hands_out_the_threads_list_which_the_next_decode_starts_over()
    {
        static byte[] Request(ulong firstTrace, int traces) => OtlpEncoder.EncodeRequest([new ResourceSpansDetail(OtlpSamples.Resource("svc"), [new ScopeSpansDetail(OtlpSamples.Scope(),
            Enumerable.Range(0, traces).Select(t => OtlpSamples.MinimalSpan(new TraceId(8, firstTrace + (ulong)t), 1, 0, "op")).ToList())])]);
        var transient = OtlpTraceDecoder.DecodeTransient(Request(100, 3), "local");
        Assert.Equal([100UL, 101UL, 102UL], transient.Traces.Select(t => t.TraceId.Low));
        var spans = transient.Traces[0].Spans;

        // The next decode on the thread reuses the list; a copying one leaves the copy alone.
        var copied = OtlpTraceDecoder.Decode(Request(200, 2), "local");
        Assert.Same(transient.Traces, OtlpTraceDecoder.DecodeTransient(Request(300, 1), "local").Traces);
        Assert.Equal([300UL], transient.Traces.Select(t => t.TraceId.Low));
        Assert.Equal([200UL, 201UL], copied.Traces.Select(t => t.TraceId.Low));
        Assert.Equal(100UL, spans[0].TraceId.Low);
    }

    [Fact]
    public void Decoding_allocates_little_beyond_the_buffered_spans()
    {
        const int spanCount = 10_000;
        var spans = Enumerable.Range(1, spanCount)
            .Select(i => OtlpSamples.MinimalSpan(new TraceId(1, (ulong)(i / 10) + 1), (ulong)i, (ulong)(i - 1), "name-" + (i % 20)) with
            {
                Attributes = [OtlpSamples.Attr("http.route", AttributeValue.FromString("/api/x")), OtlpSamples.Attr("n", AttributeValue.FromInt(i))],
            })
            .ToList();
        var request = OtlpEncoder.EncodeRequest([new ResourceSpansDetail(OtlpSamples.Resource("svc"), [new ScopeSpansDetail(OtlpSamples.Scope(), spans)])]);
        OtlpTraceDecoder.Decode(request, "local");

        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = OtlpTraceDecoder.Decode(request, "local");
        var perSpan = (GC.GetAllocatedBytesForCurrentThread() - before) / spanCount;

        Assert.Equal(spanCount, result.AcceptedSpans);
        // BufferedSpan itself is ~100 bytes; per-trace lists and the grouping dictionary add the rest.
        Assert.True(perSpan <= 200, $"decode allocated {perSpan} bytes per span");
    }

    private static void WriteSpan(ProtoWriter writer, byte[] traceId, byte[] spanId, byte[] parent)
    {
        var span = writer.BeginMessage(2);
        writer.WriteBytesField(1, traceId);
        writer.WriteBytesField(2, spanId);
        if (parent.Length > 0)
        {
            writer.WriteBytesField(4, parent);
        }
        writer.WriteStringField(5, "op");
        writer.EndMessage(span);
    }
}
