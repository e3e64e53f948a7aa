using System.Text.Json;
using ActorTracing.Storage;

namespace ActorTracing.Query;

/// <summary>
/// Writes the Jaeger query service's JSON (api_v2 "ui" model, what the Jaeger UI and Grafana's
/// Jaeger data source read): envelope {data,total,limit,offset,errors}, traces with spans,
/// processes p1..pN and warnings. Times are microseconds. Span kind, status, scope and trace state
/// become tags the way Jaeger's OTLP translator names them (span.kind, otel.status_code, error,
/// otel.status_description, otel.scope.name/version, w3c.tracestate). Each trace also carries an
/// "actortracing" object (ignored by Jaeger clients) with what the built-in UI draws.
/// </summary>
internal static class JaegerJson
{
    public static void WriteEnvelopeStart(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WritePropertyName("data");
    }

    public static void WriteEnvelopeEnd(Utf8JsonWriter w, int total)
    {
        w.WriteNumber("total", total);
        w.WriteNumber("limit", 0);
        w.WriteNumber("offset", 0);
        w.WriteNull("errors");
        w.WriteEndObject();
    }

    public static void WriteError(Utf8JsonWriter w, int code, string message, string? traceId = null)
    {
        w.WriteStartObject();
        w.WriteNull("data");
        w.WriteNumber("total", 0);
        w.WriteNumber("limit", 0);
        w.WriteNumber("offset", 0);
        w.WriteStartArray("errors");
        w.WriteStartObject();
        w.WriteNumber("code", code);
        w.WriteString("msg", message);
        if (traceId is not null)
        {
            w.WriteString("traceID", traceId);
        }
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }

    public static void WriteTrace(Utf8JsonWriter w, AssembledTrace trace)
    {
        w.WriteStartObject();
        w.WriteString("traceID", trace.TraceId);
        w.WriteStartArray("spans");
        foreach (var span in trace.Spans)
        {
            WriteSpan(w, span);
        }
        w.WriteEndArray();
        w.WriteStartObject("processes");
        foreach (var process in trace.Processes)
        {
            w.WriteStartObject(process.Id);
            w.WriteString("serviceName", process.ServiceName);
            w.WriteStartArray("tags");
            WriteTag(w, TraceAssembler.RegionTag, TypedValue.String(process.Region));
            foreach (var (key, value) in process.ResourceAttributes)
            {
                if (key is not SpanRowEncoder.ServiceNameAttribute and not TraceAssembler.RegionTag)
                {
                    WriteTag(w, key, TypedValue.Infer(value));
                }
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndObject();
        WriteStrings(w, "warnings", trace.Warnings);
        WriteExtension(w, trace);
        w.WriteEndObject();
    }

    private static void WriteSpan(Utf8JsonWriter w, AssembledSpan assembled)
    {
        var span = assembled.Span;
        w.WriteStartObject();
        w.WriteString("traceID", span.TraceId);
        w.WriteString("spanID", span.SpanId);
        w.WriteNumber("flags", 1);
        w.WriteString("operationName", span.Name);
        w.WriteStartArray("references");
        if (span.ParentSpanId.Length > 0)
        {
            WriteReference(w, "CHILD_OF", span.TraceId, span.ParentSpanId);
        }
        foreach (var link in span.Links)
        {
            WriteReference(w, "FOLLOWS_FROM", link.TraceId, link.SpanId);
        }
        w.WriteEndArray();
        w.WriteNumber("startTime", span.StartUnixNano / 1_000);
        w.WriteNumber("duration", span.DurationNanos / 1_000);
        w.WriteStartArray("tags");
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in assembled.Attributes)
        {
            written.Add(key);
            WriteTag(w, key, value);
        }
        void Synthetic(string key, TypedValue value)
        {
            // An attribute of the same name came from the SDK: it wins, no duplicate key.
            if (written.Add(key))
            {
                WriteTag(w, key, value);
            }
        }
        var kind = QueryParameters.JaegerSpanKind(span.Kind);
        if (kind.Length > 0)
        {
            Synthetic("span.kind", TypedValue.String(kind));
        }
        if (span.StatusCode == "Error")
        {
            Synthetic("otel.status_code", TypedValue.String("ERROR"));
            Synthetic("error", new TypedValue(TypedValueKind.Bool, "true", 0, 0, true));
        }
        else if (span.StatusCode == "Ok")
        {
            Synthetic("otel.status_code", TypedValue.String("OK"));
        }
        if (span.StatusMessage.Length > 0)
        {
            Synthetic("otel.status_description", TypedValue.String(span.StatusMessage));
        }
        if (span.ScopeName.Length > 0)
        {
            Synthetic("otel.scope.name", TypedValue.String(span.ScopeName));
        }
        if (span.ScopeVersion.Length > 0)
        {
            Synthetic("otel.scope.version", TypedValue.String(span.ScopeVersion));
        }
        if (span.TraceState.Length > 0)
        {
            Synthetic("w3c.tracestate", TypedValue.String(span.TraceState));
        }
        foreach (var (key, value) in assembled.PipelineTags)
        {
            Synthetic(key, value);
        }
        w.WriteEndArray();
        w.WriteStartArray("logs");
        foreach (var e in span.Events)
        {
            w.WriteStartObject();
            w.WriteNumber("timestamp", e.TimeUnixNano / 1_000);
            w.WriteStartArray("fields");
            WriteTag(w, "event", TypedValue.String(e.Name));
            foreach (var (key, value) in e.Attributes)
            {
                WriteTag(w, key, TypedValue.Infer(value));
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteString("processID", assembled.ProcessId);
        WriteStrings(w, "warnings", assembled.Warnings);
        w.WriteEndObject();
    }

    private static void WriteExtension(Utf8JsonWriter w, AssembledTrace trace)
    {
        w.WriteStartObject("actortracing");
        w.WriteString("samplingReason", trace.SamplingReason);
        w.WriteNumber("sampleRate", trace.SampleRate);
        var summary = trace.Summary;
        w.WriteString("completionReason", summary?.CompletionReason ?? string.Empty);
        w.WriteString("groupId", summary?.GroupId ?? string.Empty);
        WriteStrings(w, "linkedTraceIds", summary?.LinkedTraceIds ?? []);
        var regions = summary is { Regions.Count: > 0 }
            ? summary.Regions
            : trace.Spans.Select(s => s.Span.Region).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        WriteStrings(w, "regions", regions);
        w.WriteStartArray("crossRegionEdges");
        foreach (var edge in trace.CrossRegionEdges)
        {
            w.WriteStartObject();
            w.WriteString("parentSpanID", edge.ParentSpanId);
            w.WriteString("spanID", edge.SpanId);
            w.WriteString("parentRegion", edge.ParentRegion);
            w.WriteString("region", edge.Region);
            w.WriteNumber("skewNs", edge.SkewNanos);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("arrivalLag");
        foreach (var lag in summary?.ArrivalLag ?? [])
        {
            w.WriteStartObject();
            w.WriteString("region", lag.Region);
            w.WriteNumber("lagMs", lag.LagMs);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteNumber("maxSkewNs", summary?.MaxSkewNanos ?? trace.CrossRegionEdges.Select(e => Math.Abs(e.SkewNanos)).DefaultIfEmpty(0).Max());
        w.WriteBoolean("hasSummary", summary is not null);
        w.WriteEndObject();
    }

    private static void WriteReference(Utf8JsonWriter w, string type, string traceId, string spanId)
    {
        w.WriteStartObject();
        w.WriteString("refType", type);
        w.WriteString("traceID", traceId);
        w.WriteString("spanID", spanId);
        w.WriteEndObject();
    }

    internal static void WriteTag(Utf8JsonWriter w, string key, TypedValue value)
    {
        w.WriteStartObject();
        w.WriteString("key", key);
        w.WriteString("type", value.JaegerType);
        switch (value.Kind)
        {
            case TypedValueKind.Bool:
                w.WriteBoolean("value", value.Bool);
                break;
            case TypedValueKind.Int64:
                w.WriteNumber("value", value.Int);
                break;
            case TypedValueKind.Float64:
                w.WriteNumber("value", value.Double);
                break;
            default:
                w.WriteString("value", value.Text);
                break;
        }
        w.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, IReadOnlyList<string> values)
    {
        if (values.Count == 0 && name == "warnings")
        {
            // Jaeger writes null for no warnings; clients test for both.
            w.WriteNull(name);
            return;
        }
        w.WriteStartArray(name);
        foreach (var value in values)
        {
            w.WriteStringValue(value);
        }
        w.WriteEndArray();
    }
}
