using System.Buffers;
using System.Text.Json;
using ActorTracing.Domain.Wire;

namespace ActorTracing.Ingest;

/// <summary>
/// Hand-written google.rpc.Status (code = 1, message = 2, details = 3 as google.protobuf.Any) —
/// the body OTLP/HTTP requires on every 4xx/5xx, and the gRPC <c>grpc-status-details-bin</c>
/// trailer that carries google.rpc.RetryInfo, which OTLP/gRPC clients need before they retry
/// RESOURCE_EXHAUSTED.
/// </summary>
internal static class RpcStatus
{
    public const int InvalidArgument = 3;
    public const int ResourceExhausted = 8;
    public const int Internal = 13;
    public const int Unavailable = 14;

    private const string RetryInfoTypeUrl = "type.googleapis.com/google.rpc.RetryInfo";

    public static byte[] EncodeProtobuf(int code, string message, TimeSpan? retryDelay = null)
    {
        var writer = new ProtoWriter(64 + message.Length * 3);
        if (code != 0)
        {
            writer.WriteVarintField(1, (ulong)code);
        }
        if (message.Length > 0)
        {
            writer.WriteStringField(2, message);
        }
        if (retryDelay is { } delay)
        {
            var any = writer.BeginMessage(3);
            writer.WriteStringField(1, RetryInfoTypeUrl);
            var retryInfo = writer.BeginMessage(2);
            var duration = writer.BeginMessage(1);
            var ticks = Math.Max(0, delay.Ticks);
            var seconds = ticks / TimeSpan.TicksPerSecond;
            var nanos = (ticks % TimeSpan.TicksPerSecond) * 100;
            if (seconds != 0)
            {
                writer.WriteInt64Field(1, seconds);
            }
            if (nanos != 0)
            {
                writer.WriteInt64Field(2, nanos);
            }
            writer.EndMessage(duration);
            writer.EndMessage(retryInfo);
            writer.EndMessage(any);
        }
        return writer.ToArray();
    }

    public static byte[] EncodeJson(int code, string message)
    {
        var buffer = new ArrayBufferWriter<byte>(64 + message.Length * 3);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("code", code);
            json.WriteString("message", message);
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
