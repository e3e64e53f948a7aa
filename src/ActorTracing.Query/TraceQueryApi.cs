using System.Buffers;
using System.Text.Json;
using ActorTracing.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace ActorTracing.Query;

/// <summary>
/// The request handlers of the Jaeger-compatible API. Each handler parses its parameters first
/// (a <see cref="QueryParameterException"/> becomes a 400 naming the parameter), then reads with
/// one deadline of <see cref="QuerySettings.QueryTimeout"/> for the whole request.
/// </summary>
internal sealed class TraceQueryApi(
    ISpanReader reader,
    QuerySettings settings,
    IPipelineOverviewSource overview,
    QueryEndpoints endpoints,
    TimeProvider clock,
    ILogger<TraceQueryApi> logger)
{
    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false };

    public QuerySettings Settings => settings;

    public Task ServicesAsync(HttpContext context) => RunAsync(context, async ct =>
    {
        var services = await reader.GetServicesAsync(ct).ConfigureAwait(false);
        return Envelope(services.Count, w => WriteStringArray(w, services));
    });

    public Task ServiceOperationsAsync(HttpContext context) => RunAsync(context, async ct =>
    {
        var service = RouteValue(context, "service");
        var operations = await reader.GetOperationsAsync(service, null, ct).ConfigureAwait(false);
        var names = operations.Select(o => o.Name).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return Envelope(names.Count, w => WriteStringArray(w, names));
    });

    public Task OperationsAsync(HttpContext context) => RunAsync(context, async ct =>
    {
        var query = context.Request.Query;
        var service = Required(query, "service");
        var kind = QueryParameters.ParseSpanKind("spanKind", query["spanKind"].ToString());
        var operations = await reader.GetOperationsAsync(service, kind, ct).ConfigureAwait(false);
        return Envelope(operations.Count, w =>
        {
            w.WriteStartArray();
            foreach (var o in operations)
            {
                w.WriteStartObject();
                w.WriteString("name", o.Name);
                w.WriteString("spanKind", QueryParameters.JaegerSpanKind(o.SpanKind));
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
    });

    public Task TracesAsync(HttpContext context) => RunAsync(context, async ct =>
    {
        var query = context.Request.Query;
        List<string> ids;
        if (query.TryGetValue("traceID", out var requested) && requested.Count > 0)
        {
            ids = [.. requested.Where(v => !string.IsNullOrEmpty(v)).Select(v => QueryParameters.ParseTraceId("traceID", v!)).Distinct(StringComparer.Ordinal)];
        }
        else
        {
            var search = ParseJaegerSearch(query);
            ids = [.. (await reader.FindTraceIdsAsync(search, ct).ConfigureAwait(false)).Select(h => h.TraceId)];
        }
        var traces = await LoadAsync(ids, ct).ConfigureAwait(false);
        return Envelope(traces.Count, w =>
        {
            w.WriteStartArray();
            foreach (var trace in traces)
            {
                JaegerJson.WriteTrace(w, trace);
            }
            w.WriteEndArray();
        });
    });

    public Task TraceAsync(HttpContext context) => RunAsync(context, async ct =>
    {
        var id = QueryParameters.ParseTraceId("traceID", RouteValue(context, "traceId"));
        var traces = await LoadAsync([id], ct).ConfigureAwait(false);
        if (traces.Count == 0)
        {
            return new Reply(StatusCodes.Status404NotFound, w => JaegerJson.WriteError(w, 404, "trace not found", id));
        }
        return Envelope(1, w =>
        {
            w.WriteStartArray();
            JaegerJson.WriteTrace(w, traces[0]);
            w.WriteEndArray();
        });
    });

    public Task DependenciesAsync(HttpContext context) => RunAsync(context, async ct =>
    {
        var query = context.Request.Query;
        var now = clock.GetUtcNow();
        var endMs = query["endTs"].ToString() is { Length: > 0 } e ? QueryParameters.ParseMillis("endTs", e) : now.ToUnixTimeMilliseconds();
        var lookbackMs = query["lookback"].ToString() is { Length: > 0 } l ? QueryParameters.ParseMillis("lookback", l) : (long)settings.Lookback.TotalMilliseconds;
        if (lookbackMs > endMs)
        {
            throw new QueryParameterException("lookback", "reaches before 1970 (lookback > endTs)");
        }
        var end = DateTimeOffset.FromUnixTimeMilliseconds(endMs);
        var links = await reader.GetDependenciesAsync(end.AddMilliseconds(-lookbackMs), end, ct).ConfigureAwait(false);
        return Envelope(links.Count, w =>
        {
            w.WriteStartArray();
            foreach (var link in links)
            {
                w.WriteStartObject();
                w.WriteString("parent", link.Parent);
                w.WriteString("child", link.Child);
                w.WriteNumber("callCount", link.CallCount);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
    });

    public Task V3ServicesAsync(HttpContext context) => RunAsync(context, async ct =>
    {
        var services = await reader.GetServicesAsync(ct).ConfigureAwait(false);
        return new Reply(StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WritePropertyName("services");
            WriteStringArray(w, services);
            w.WriteEndObject();
        });
    });

    public Task V3OperationsAsync(HttpContext context) => RunAsync(context, async ct =>
    {
        var query = context.Request.Query;
        var service = Required(query, "service");
        var kind = QueryParameters.ParseSpanKind("spanKind", query["spanKind"].ToString());
        var operations = await reader.GetOperationsAsync(service, kind, ct).ConfigureAwait(false);
        return new Reply(StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("operations");
            foreach (var o in operations)
            {
                w.WriteStartObject();
                w.WriteString("name", o.Name);
                w.WriteString("spanKind", QueryParameters.JaegerSpanKind(o.SpanKind));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    });

    public Task V3TraceAsync(HttpContext context) => RunAsync(context, async ct =>
    {
        var id = QueryParameters.ParseTraceId("traceID", RouteValue(context, "traceId"));
        var traces = await LoadAsync([id], ct).ConfigureAwait(false);
        return traces.Count == 0
            ? new Reply(StatusCodes.Status404NotFound, w => JaegerJson.WriteError(w, 404, "trace not found", id))
            : new Reply(StatusCodes.Status200OK, w => OtlpJson.WriteResult(w, traces));
    });

    public Task V3TracesAsync(HttpContext context) => RunAsync(context, async ct =>
    {
        var search = ParseV3Search(context.Request.Query);
        var ids = (await reader.FindTraceIdsAsync(search, ct).ConfigureAwait(false)).Select(h => h.TraceId).ToList();
        var traces = await LoadAsync(ids, ct).ConfigureAwait(false);
        return new Reply(StatusCodes.Status200OK, w => OtlpJson.WriteResult(w, traces));
    });

    public Task OverviewAsync(HttpContext context) => RunAsync(context, async ct =>
    {
        var snapshot = await overview.GetOverviewAsync(ct).ConfigureAwait(false);
        return new Reply(StatusCodes.Status200OK, w => JsonSerializer.Serialize(w, snapshot, QueryJsonContext.Default.PipelineOverview));
    });

    public Task ConfigAsync(HttpContext context) => RunAsync(context, _ => Task.FromResult(new Reply(StatusCodes.Status200OK, w =>
    {
        w.WriteStartObject();
        w.WriteNumber("defaultLimit", settings.DefaultLimit);
        w.WriteNumber("maxLimit", settings.MaxLimit);
        w.WriteNumber("lookbackMs", (long)settings.Lookback.TotalMilliseconds);
        w.WriteNumber("overviewPollMs", (long)settings.OverviewPollInterval.TotalMilliseconds);
        w.WriteEndObject();
    })));

    public Task NotFoundAsync(HttpContext context) => RunAsync(context, _ =>
        Task.FromResult(new Reply(StatusCodes.Status404NotFound, w => JaegerJson.WriteError(w, 404, $"no API route {context.Request.Path}"))));

    internal TraceSearch ParseJaegerSearch(IQueryCollection query)
    {
        var now = UnixTime.NowUnixNano(clock);
        var end = query["end"].ToString() is { Length: > 0 } e ? QueryParameters.ParseMicros("end", e) : now;
        long start;
        if (query["start"].ToString() is { Length: > 0 } s)
        {
            start = QueryParameters.ParseMicros("start", s);
        }
        else
        {
            var lookback = query["lookback"].ToString();
            start = end - (lookback is { Length: > 0 } and not "custom"
                ? QueryParameters.ParseDuration("lookback", lookback)
                : settings.Lookback.Ticks * 100);
        }
        if (start > end)
        {
            throw new QueryParameterException("start", "is after end");
        }
        var (min, max) = DurationBounds(query, "minDuration", "maxDuration");
        return new TraceSearch
        {
            Service = Optional(query, "service"),
            Operation = Optional(query, "operation"),
            Tags = QueryParameters.ParseTags("tags", query["tags"].Select(v => v ?? string.Empty), "tag", query["tag"].Select(v => v ?? string.Empty)),
            StartMinUnixNano = start,
            StartMaxUnixNano = end,
            DurationMinNanos = min,
            DurationMaxNanos = max,
            Limit = QueryParameters.ParseLimit("limit", query["limit"].ToString(), settings),
        };
    }

    internal TraceSearch ParseV3Search(IQueryCollection query)
    {
        var now = UnixTime.NowUnixNano(clock);
        var end = query["query.start_time_max"].ToString() is { Length: > 0 } e ? QueryParameters.ParseRfc3339("query.start_time_max", e) : now;
        var start = query["query.start_time_min"].ToString() is { Length: > 0 } s
            ? QueryParameters.ParseRfc3339("query.start_time_min", s)
            : end - (settings.Lookback.Ticks * 100);
        if (start > end)
        {
            throw new QueryParameterException("query.start_time_min", "is after query.start_time_max");
        }
        var (min, max) = DurationBounds(query, "query.duration_min", "query.duration_max");
        return new TraceSearch
        {
            Service = Optional(query, "query.service_name"),
            Operation = Optional(query, "query.operation_name"),
            Tags = QueryParameters.ParseTags("query.attributes", query["query.attributes"].Select(v => v ?? string.Empty), "query.attribute", []),
            StartMinUnixNano = start,
            StartMaxUnixNano = end,
            DurationMinNanos = min,
            DurationMaxNanos = max,
            Limit = QueryParameters.ParseLimit("query.num_traces", query["query.num_traces"].ToString(), settings),
        };
    }

    private static (long? Min, long? Max) DurationBounds(IQueryCollection query, string minName, string maxName)
    {
        long? min = query[minName].ToString() is { Length: > 0 } a ? QueryParameters.ParseDuration(minName, a) : null;
        long? max = query[maxName].ToString() is { Length: > 0 } b ? QueryParameters.ParseDuration(maxName, b) : null;
        if (min is { } lo && max is { } hi && hi < lo)
        {
            throw new QueryParameterException(maxName, $"is below {minName}");
        }
        return (min, max);
    }

    private async Task<List<AssembledTrace>> LoadAsync(IReadOnlyList<string> ids, CancellationToken ct)
    {
        if (ids.Count == 0)
        {
            return [];
        }
        var spans = await reader.GetSpansAsync(ids, ct).ConfigureAwait(false);
        var present = spans.Select(s => s.TraceId).ToHashSet(StringComparer.Ordinal);
        var summaries = present.Count == 0 ? [] : await reader.GetTraceSummariesAsync([.. present], ct).ConfigureAwait(false);
        var summaryById = summaries.ToDictionary(s => s.TraceId, StringComparer.Ordinal);
        var spansById = spans.GroupBy(s => s.TraceId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        // Keep the order of the ids (a search's newest-first order).
        return [.. ids.Where(spansById.ContainsKey).Select(id => TraceAssembler.Assemble(id, spansById[id], summaryById.GetValueOrDefault(id)))];
    }

    private async Task RunAsync(HttpContext context, Func<CancellationToken, Task<Reply>> handle)
    {
        if (!endpoints.Accepts(context))
        {
            // Routes are mapped on every listener of the host; answer only on the query listener.
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        deadline.CancelAfter(settings.QueryTimeout);
        Reply reply;
        try
        {
            reply = await handle(deadline.Token).ConfigureAwait(false);
        }
        catch (QueryParameterException e)
        {
            reply = Error(StatusCodes.Status400BadRequest, e.Message);
        }
        catch (ArgumentException e)
        {
            reply = Error(StatusCodes.Status400BadRequest, e.Message);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
        {
            reply = Error(StatusCodes.Status503ServiceUnavailable, $"query timed out after {settings.QueryTimeout} ({QuerySettings.Section}.query-timeout)");
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }
        catch (StorageException e)
        {
            logger.LogWarning(e, "Query {Path} failed in storage", context.Request.Path);
            reply = Error(StatusCodes.Status503ServiceUnavailable, "storage: " + e.Message);
        }
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            reply.Write(writer);
        }
        context.Response.StatusCode = reply.Status;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }

    private static Reply Envelope(int total, Action<Utf8JsonWriter> writeData) => new(StatusCodes.Status200OK, w =>
    {
        JaegerJson.WriteEnvelopeStart(w);
        writeData(w);
        JaegerJson.WriteEnvelopeEnd(w, total);
    });

    private static Reply Error(int status, string message) => new(status, w => JaegerJson.WriteError(w, status, message));

    private static void WriteStringArray(Utf8JsonWriter w, IEnumerable<string> values)
    {
        w.WriteStartArray();
        foreach (var v in values)
        {
            w.WriteStringValue(v);
        }
        w.WriteEndArray();
    }

    private static string RouteValue(HttpContext context, string name) =>
        context.Request.RouteValues.TryGetValue(name, out var value) && value is string s ? s : string.Empty;

    private static string? Optional(IQueryCollection query, string name) =>
        query.TryGetValue(name, out StringValues v) && v.ToString() is { Length: > 0 } s ? s : null;

    private static string Required(IQueryCollection query, string name) =>
        Optional(query, name) ?? throw new QueryParameterException(name, "is required");

    private sealed record Reply(int Status, Action<Utf8JsonWriter> Write);
}
