using System.Globalization;
using System.Text.Json;
using ActorTracing.Storage;

namespace ActorTracing.Query;

/// <summary>
/// Writes traces as OTLP/JSON (the shape of Jaeger v2's /api/v3 answers:
/// {"result":{"resourceSpans":[...]}}): hex ids, 64-bit integers as strings, enum values as
/// numbers, attributes as typed AnyValues (types inferred as in <see cref="TypedValue"/>). The
/// pipeline's own tags (sampling reason, cross-region parent) are span attributes here; the region
/// is a resource attribute.
/// </summary>
internal static class OtlpJson
{
    public static void WriteResult(Utf8JsonWriter w, IEnumerable<AssembledTrace> traces)
    {
        w.WriteStartObject();
        w.WriteStartObject("result");
        w.WriteStartArray("resourceSpans");
        foreach (var trace in traces)
        {
            var processes = trace.Processes.ToDictionary(p => p.Id, StringComparer.Ordinal);
            foreach (var group in trace.Spans.GroupBy(s => s.ProcessId, StringComparer.Ordinal))
            {
                var process = processes[group.Key];
                w.WriteStartObject();
                w.WriteStartObject("resource");
                w.WriteStartArray("attributes");
                if (!process.ResourceAttributes.ContainsKey(SpanRowEncoder.ServiceNameAttribute))
                {
                    WriteAttribute(w, SpanRowEncoder.ServiceNameAttribute, TypedValue.String(process.ServiceName));
                }
                foreach (var (key, value) in process.ResourceAttributes)
                {
                    WriteAttribute(w, key, key == SpanRowEncoder.ServiceNameAttribute ? TypedValue.String(value) : TypedValue.Infer(value));
                }
                if (!process.ResourceAttributes.ContainsKey(TraceAssembler.RegionTag))
                {
                    WriteAttribute(w, TraceAssembler.RegionTag, TypedValue.String(process.Region));
                }
                w.WriteEndArray();
                w.WriteEndObject();
                w.WriteStartArray("scopeSpans");
                foreach (var scope in group.GroupBy(s => (s.Span.ScopeName, s.Span.ScopeVersion)))
                {
                    w.WriteStartObject();
                    w.WriteStartObject("scope");
                    w.WriteString("name", scope.Key.ScopeName);
                    w.WriteString("version", scope.Key.ScopeVersion);
                    w.WriteEndObject();
                    w.WriteStartArray("spans");
                    foreach (var span in scope)
                    {
                        WriteSpan(w, span);
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    public static int KindNumber(string stored) => stored switch
    {
        "Internal" => 1,
        "Server" => 2,
        "Client" => 3,
        "Producer" => 4,
        "Consumer" => 5,
        _ => 0,
    };

    private static void WriteSpan(Utf8JsonWriter w, AssembledSpan assembled)
    {
        var span = assembled.Span;
        w.WriteStartObject();
        w.WriteString("traceId", span.TraceId);
        w.WriteString("spanId", span.SpanId);
        if (span.ParentSpanId.Length > 0)
        {
            w.WriteString("parentSpanId", span.ParentSpanId);
        }
        if (span.TraceState.Length > 0)
        {
            w.WriteString("traceState", span.TraceState);
        }
        w.WriteString("name", span.Name);
        w.WriteNumber("kind", KindNumber(span.Kind));
        w.WriteString("startTimeUnixNano", span.StartUnixNano.ToString(CultureInfo.InvariantCulture));
        w.WriteString("endTimeUnixNano", (span.StartUnixNano + span.DurationNanos).ToString(CultureInfo.InvariantCulture));
        w.WriteStartArray("attributes");
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in assembled.Attributes)
        {
            written.Add(key);
            WriteAttribute(w, key, value);
        }
        foreach (var (key, value) in assembled.PipelineTags)
        {
            if (written.Add(key))
            {
                WriteAttribute(w, key, value);
            }
        }
        w.WriteEndArray();
        w.WriteStartArray("events");
        foreach (var e in span.Events)
        {
            w.WriteStartObject();
            w.WriteString("timeUnixNano", e.TimeUnixNano.ToString(CultureInfo.InvariantCulture));
            w.WriteString("name", e.Name);
            WriteAttributes(w, e.Attributes);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("links");
        foreach (var link in span.Links)
        {
            w.WriteStartObject();
            w.WriteString("traceId", link.TraceId);
            w.WriteString("spanId", link.SpanId);
            if (link.TraceState.Length > 0)
            {
                w.WriteString("traceState", link.TraceState);
            }
            WriteAttributes(w, link.Attributes);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartObject("status");
        w.WriteNumber("code", span.StatusCode switch { "Ok" => 1, "Error" => 2, _ => 0 });
        if (span.StatusMessage.Length > 0)
        {
            w.WriteString("message", span.StatusMessage);
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteAttributes(Utf8JsonWriter w, IReadOnlyDictionary<string, string> attributes)
    {
        w.WriteStartArray("attributes");
        foreach (var (key, value) in attributes)
        {
            WriteAttribute(w, key, TypedValue.Infer(value));
        }
        w.WriteEndArray();
    }

    private static void WriteAttribute(Utf8JsonWriter w, string key, TypedValue value)
    {
        w.WriteStartObject();
        w.WriteString("key", key);
        w.WriteStartObject("value");
        switch (value.Kind)
        {
            case TypedValueKind.Bool:
                w.WriteBoolean("boolValue", value.Bool);
                break;
            case TypedValueKind.Int64:
                w.WriteString("intValue", value.Int.ToString(CultureInfo.InvariantCulture));
                break;
            case TypedValueKind.Float64:
                w.WriteNumber("doubleValue", value.Double);
                break;
            default:
                w.WriteString("stringValue", value.Text);
                break;
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
