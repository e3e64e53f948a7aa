using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using ActorTracing.Domain.Otlp;

namespace ActorTracing.Ingest;

/// <summary>
/// OTLP/HTTP <c>POST /v1/traces</c>: binary protobuf or OTLP/JSON, optionally gzip. Every failure
/// is answered with a google.rpc.Status body in the request's encoding, as the spec requires; the
/// status code tells the SDK whether to retry (429 yes, 400/413/415 no).
/// </summary>
internal sealed partial class OtlpHttpReceiver(OtlpExportProcessor processor, IngestSettings settings, ILogger<OtlpHttpReceiver> logger)
{
    public const string Path = "/v1/traces";

    private const string ProtobufContentType = "application/x-protobuf";
    private const string JsonContentType = "application/json";

    private static readonly byte[] EmptyJsonObject = "{}"u8.ToArray();

    internal static readonly string[] OtherMethods = ["GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"];

    private IngestCounters Counters => processor.Counters;

    public async Task HandleAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var request = context.Request;
        var json = false;
        string? protocol = null;
        try
        {
            var format = ParseContentType(request.ContentType);
            if (format is null)
            {
                Counters.Unsupported();
                await WriteStatusAsync(context, json: false, StatusCodes.Status415UnsupportedMediaType, RpcStatus.InvalidArgument,
                    $"Content-Type '{request.ContentType}' is not supported; use {ProtobufContentType} or {JsonContentType}").ConfigureAwait(false);
                return;
            }
            json = format.Value;
            protocol = json ? OtlpProtocols.HttpJson : OtlpProtocols.HttpProtobuf;
            Counters.RequestReceived(protocol);

            var encoding = request.Headers.ContentEncoding.ToString();
            var gzip = encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase);
            if (!gzip && encoding.Length > 0 && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
            {
                Counters.Unsupported();
                await WriteStatusAsync(context, json, StatusCodes.Status415UnsupportedMediaType, RpcStatus.InvalidArgument,
                    $"Content-Encoding '{encoding}' is not supported; use gzip or none").ConfigureAwait(false);
                return;
            }

            // Kestrel enforces this too (on the compressed bytes), so a client that lies about or
            // omits Content-Length is cut off at the limit rather than streamed into memory.
            var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
            if (sizeFeature is { IsReadOnly: false })
            {
                sizeFeature.MaxRequestBodySize = settings.MaxRequestBytes;
            }

            var body = await RequestBodyReader.ReadAsync(request.Body, request.ContentLength, gzip, settings.MaxRequestBytes, context.RequestAborted)
                .ConfigureAwait(false);
            switch (body.Status)
            {
                case BodyReadStatus.TooLarge:
                    await RejectOversizeAsync(context, json).ConfigureAwait(false);
                    return;
                case BodyReadStatus.InvalidEncoding:
                    Counters.Malformed();
                    await WriteStatusAsync(context, json, StatusCodes.Status400BadRequest, RpcStatus.InvalidArgument, body.Problem ?? "invalid body")
                        .ConfigureAwait(false);
                    return;
            }

            var source = body.Body!;
            ExportOutcome outcome;
            try
            {
                outcome = json ? processor.ProcessJson(source.Memory.Span, protocol) : processor.ProcessProtobuf(source, protocol);
            }
            finally
            {
                // The receiver's share: what the pipeline kept of the body holds shares of its own.
                source.Release();
            }
            await RespondAsync(context, json, outcome).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is no one to answer.
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await RejectOversizeAsync(context, json).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex)
        {
            // Kestrel's verdict on the framing (truncated body, bad chunking): the client's fault.
            Counters.Malformed();
            await WriteStatusAsync(context, json, ex.StatusCode, RpcStatus.InvalidArgument, ex.Message).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The receiver is the last line: a bug must become a logged 500, not a dropped connection.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Counters.Failed();
            LogFailed(logger, ex, request.ContentType);
            await WriteStatusAsync(context, json, StatusCodes.Status500InternalServerError, RpcStatus.Internal, "internal error: " + ex.Message)
                .ConfigureAwait(false);
        }
        finally
        {
            // Requests of a content type we do not speak have no protocol, and are not timed.
            if (protocol is not null)
            {
                Counters.Answered(protocol, Stopwatch.GetElapsedTime(started));
            }
        }
    }

    internal static Task MethodNotAllowedAsync(HttpContext context)
    {
        context.Response.Headers.Allow = "POST";
        return WriteStatusAsync(context, json: false, StatusCodes.Status405MethodNotAllowed, RpcStatus.InvalidArgument,
            $"{context.Request.Method} is not supported on {Path}; OTLP/HTTP exports are POSTed");
    }

    /// <summary>true for OTLP/JSON, false for protobuf, null for anything else.</summary>
    internal static bool? ParseContentType(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var parsed))
        {
            return null;
        }
        var mediaType = parsed.MediaType;
        if (mediaType.Equals(ProtobufContentType, StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("application/protobuf", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        return mediaType.Equals(JsonContentType, StringComparison.OrdinalIgnoreCase) ? true : null;
    }

    private Task RejectOversizeAsync(HttpContext context, bool json)
    {
        Counters.Oversize();
        return WriteStatusAsync(context, json, StatusCodes.Status413PayloadTooLarge, RpcStatus.ResourceExhausted,
            $"request body exceeds the limit of {settings.MaxRequestBytes} bytes (actortracing.ingest.max-request-size)");
    }

    private static Task RespondAsync(HttpContext context, bool json, ExportOutcome outcome)
    {
        switch (outcome.Kind)
        {
            case ExportOutcomeKind.Malformed:
                return WriteStatusAsync(context, json, StatusCodes.Status400BadRequest, RpcStatus.InvalidArgument, outcome.Message ?? "malformed request");
            case ExportOutcomeKind.Throttled or ExportOutcomeKind.Unavailable:
                // Whole seconds, rounded up: Retry-After has no finer unit, and 0 would invite a hot retry loop.
                var seconds = Math.Max(1, (long)Math.Ceiling(outcome.RetryAfter.TotalSeconds));
                context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                return outcome.Kind == ExportOutcomeKind.Throttled
                    ? WriteStatusAsync(context, json, StatusCodes.Status429TooManyRequests, RpcStatus.ResourceExhausted, outcome.Message ?? "overloaded")
                    : WriteStatusAsync(context, json, StatusCodes.Status503ServiceUnavailable, RpcStatus.Unavailable, outcome.Message ?? "unavailable");
            default:
                context.Response.StatusCode = StatusCodes.Status200OK;
                if (json)
                {
                    context.Response.ContentType = JsonContentType;
                    return WriteBodyAsync(context, EncodeJsonResponse(outcome.RejectedSpans, outcome.Message));
                }
                context.Response.ContentType = ProtobufContentType;
                return WriteBodyAsync(context, OtlpEncoder.EncodeResponse(outcome.RejectedSpans, outcome.Message));
        }
    }

    private static Task WriteStatusAsync(HttpContext context, bool json, int httpStatus, int rpcCode, string message)
    {
        if (context.Response.HasStarted)
        {
            return Task.CompletedTask;
        }
        context.Response.StatusCode = httpStatus;
        context.Response.ContentType = json ? JsonContentType : ProtobufContentType;
        return WriteBodyAsync(context, json ? RpcStatus.EncodeJson(rpcCode, message) : RpcStatus.EncodeProtobuf(rpcCode, message));
    }

    private static Task WriteBodyAsync(HttpContext context, byte[] body)
    {
        context.Response.ContentLength = body.Length;
        return body.Length == 0 ? Task.CompletedTask : context.Response.Body.WriteAsync(body, 0, body.Length, context.RequestAborted);
    }

    /// <summary>ExportTraceServiceResponse in OTLP/JSON: int64 as a decimal string, lowerCamelCase keys, defaults omitted.</summary>
    internal static byte[] EncodeJsonResponse(long rejectedSpans, string? errorMessage)
    {
        if (rejectedSpans == 0 && string.IsNullOrEmpty(errorMessage))
        {
            return EmptyJsonObject;
        }
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("partialSuccess");
            if (rejectedSpans != 0)
            {
                writer.WriteString("rejectedSpans", rejectedSpans.ToString(CultureInfo.InvariantCulture));
            }
            if (!string.IsNullOrEmpty(errorMessage))
            {
                writer.WriteString("errorMessage", errorMessage);
            }
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "OTLP/HTTP export failed on a bug (Content-Type {ContentType})")]
    private static partial void LogFailed(ILogger logger, Exception exception, string? contentType);
}
