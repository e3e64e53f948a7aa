using System.Text;
using ActorTracing.Domain.Otlp;

namespace ActorTracing.Domain.Tests.Otlp;

public sealed class OtlpJsonTranscoderSpec
{
    // In the style of the OTLP spec's examples/trace.json, with the variations SDKs produce:
    // snake_case keys, enum names, upper-case hex, int64 as numbers, unknown fields, nulls.
    private const string SpecSample = """
        {
          "resourceSpans": [
            {
              "resource": {
                "attributes": [
                  { "key": "service.name", "value": { "stringValue": "my.service" } },
                  { "key": "cloud.region", "value": { "stringValue": "us-east-2" } }
                ]
              },
              "scopeSpans": [
                {
                  "scope": {
                    "name": "my.library",
                    "version": "1.0.0",
                    "attributes": [ { "key": "my.scope.attribute", "value": { "stringValue": "some scope attribute" } } ]
                  },
                  "spans": [
                    {
                      "traceId": "5B8EFFF798038103D269B633813FC60C",
                      "spanId": "EEE19B7EC3C1B174",
                      "parentSpanId": "EEE19B7EC3C1B173",
                      "name": "I'm a server span",
                      "startTimeUnixNano": "1544712660000000000",
                      "endTimeUnixNano": 1544712661000000000,
                      "kind": 2,
                      "attributes": [
                        { "key": "my.span.attr", "value": { "stringValue": "some value" } },
                        { "key": "count", "value": { "intValue": 7 } },
                        { "key": "ratio", "value": { "doubleValue": 0.5 } },
                        { "key": "ok", "value": { "boolValue": false } },
                        { "key": "tags", "value": { "arrayValue": { "values": [ { "stringValue": "a" }, { "intValue": "2" } ] } } },
                        { "key": "blob", "value": { "bytesValue": "AQID" } }
                      ],
                      "status": { "code": "STATUS_CODE_ERROR", "message": "bad" },
                      "someFutureField": { "ignored": true }
                    },
                    {
                      "trace_id": "5b8efff798038103d269b633813fc60c",
                      "span_id": "eee19b7ec3c1b175",
                      "parent_span_id": "",
                      "name": "root",
                      "kind": "SPAN_KIND_CLIENT",
                      "start_time_unix_nano": "1",
                      "end_time_unix_nano": "2",
                      "events": [ { "time_unix_nano": "1", "name": "ev", "attributes": [] } ],
                      "links": null,
                      "status": {}
                    }
                  ]
                }
              ]
            }
          ]
        }
        """;

    [Fact]
    public void Encoder_json_transcoded_to_protobuf_decodes_to_the_original()
    {
        var original = OtlpSamples.Rich();

        var protobuf = OtlpJsonTranscoder.ToProtobuf(OtlpEncoder.EncodeRequestJson(original));

        OtlpAssert.Equal(original, OtlpSpanDecoder.DecodeRequest(protobuf));
    }

    [Fact]
    public void Encoder_json_follows_the_OTLP_json_conventions()
    {
        var json = Encoding.UTF8.GetString(OtlpEncoder.EncodeRequestJson(OtlpSamples.Rich()));

        Assert.Contains("\"traceId\":\"0102030405060708090a0b0c0d0e0f10\"", json, StringComparison.Ordinal);
        Assert.Contains("\"spanId\":\"0000000000000001\"", json, StringComparison.Ordinal);
        Assert.Contains("\"startTimeUnixNano\":\"1700000000123456789\"", json, StringComparison.Ordinal);
        Assert.Contains("\"intValue\":\"-42\"", json, StringComparison.Ordinal);
        Assert.Contains("\"kind\":2", json, StringComparison.Ordinal);
        Assert.Contains("\"code\":2", json, StringComparison.Ordinal);
    }

    [Fact]
    public void A_spec_style_sample_with_sdk_variations_decodes()
    {
        var result = OtlpTraceDecoder.Decode(OtlpJsonTranscoder.ToProtobuf(Encoding.UTF8.GetBytes(SpecSample)), "local");

        var trace = Assert.Single(result.Traces);
        Assert.Equal("5b8efff798038103d269b633813fc60c", trace.TraceId.ToHex());
        Assert.Equal(2, trace.Spans.Count);
        var server = trace.Spans[0];
        Assert.Equal("eee19b7ec3c1b174", server.SpanId.ToHex());
        Assert.Equal("eee19b7ec3c1b173", server.ParentSpanId.ToHex());
        Assert.Equal(SpanKind.Server, server.Kind);
        Assert.Equal(SpanStatusCode.Error, server.Status);
        Assert.Equal(1544712660000000000UL, server.StartUnixNano);
        Assert.Equal(1544712661000000000UL, server.EndUnixNano);
        Assert.Equal("my.service", server.Origin.ServiceName);
        Assert.Equal("us-east-2", server.Origin.Region);
        Assert.Equal("my.library", OtlpSpanDecoder.DecodeScope(server.Origin.Scope).Name);
        var detail = OtlpSpanDecoder.DecodeSpan(server.Raw.Span);
        Assert.Equal("bad", detail.StatusMessage);
        Assert.Equal(
            [
                OtlpSamples.Attr("my.span.attr", AttributeValue.FromString("some value")),
                OtlpSamples.Attr("count", AttributeValue.FromInt(7)),
                OtlpSamples.Attr("ratio", AttributeValue.FromDouble(0.5)),
                OtlpSamples.Attr("ok", AttributeValue.FromBool(false)),
                OtlpSamples.Attr("tags", new AttributeValue(AttributeKind.Array, "[\"a\",2]", 0, 0, false)),
                OtlpSamples.Attr("blob", new AttributeValue(AttributeKind.Bytes, "AQID", 0, 0, false)),
            ],
            detail.Attributes);
        var client = trace.Spans[1];
        Assert.True(client.IsRoot);
        Assert.Equal(SpanKind.Client, client.Kind);
        Assert.Equal(SpanStatusCode.Unset, client.Status);
        Assert.Equal("ev", Assert.Single(OtlpSpanDecoder.DecodeSpan(client.Raw.Span).Events).Name);
    }

    [Fact]
    public void Ids_of_a_wrong_length_reach_the_decoder_and_are_rejected_there()
    {
        const string json = """{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102","spanId":"0000000000000001"}]}]}]}""";

        var result = OtlpTraceDecoder.Decode(OtlpJsonTranscoder.ToProtobuf(Encoding.UTF8.GetBytes(json)), "local");

        Assert.Equal(1, result.RejectedSpans);
        Assert.Contains("trace_id of 2 bytes", result.ErrorMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz"}]}]}]}""", "$.resourceSpans[0].scopeSpans[0].spans[0].traceId")]
    [InlineData("""{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":5}]}]}]}""", "$.resourceSpans[0].scopeSpans[0].spans[0].name: expected a string, got the number 5")]
    [InlineData("""{"resourceSpans":[{"scopeSpans":[{},{"spans":[{"kind":"SPAN_KIND_BOGUS"}]}]}]}""", "$.resourceSpans[0].scopeSpans[1].spans[0].kind")]
    [InlineData("""{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":"-1"}]}]}]}""", "$.resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano")]
    [InlineData("""{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":{"intValue":"x"}}]}}]}""", "$.resourceSpans[0].resource.attributes[0].value.intValue")]
    [InlineData("""{"resourceSpans":{}}""", "$.resourceSpans: expected an array")]
    [InlineData("""{"resourceSpans":[1]}""", "$.resourceSpans[0]: expected an object")]
    [InlineData("""[]""", "$: expected an object")]
    [InlineData("""{"resourceSpans":[""", "invalid JSON")]
    [InlineData("""{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[{"key":"b","value":{"bytesValue":"!!"}}]}]}]}]}""", "bytesValue")]
    public void Invalid_json_throws_FormatException_naming_the_path(string json, string expected)
    {
        var error = Assert.Throws<FormatException>(() => OtlpJsonTranscoder.ToProtobuf(Encoding.UTF8.GetBytes(json)));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_object_is_an_empty_request()
    {
        Assert.Empty(OtlpJsonTranscoder.ToProtobuf("{}"u8));
    }
}
