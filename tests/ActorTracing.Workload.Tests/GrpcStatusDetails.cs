using ActorTracing.Domain.Wire;

namespace ActorTracing.Workload.Tests;

/// <summary>What a node puts in grpc-status-details-bin when it asks a client to wait.</summary>
internal static class GrpcStatusDetails
{
    /// <summary>google.rpc.Status { code, message, details = [Any { RetryInfo { retry_delay } }] }, base64 as the trailer carries it.</summary>
    public static string RetryInfo(int code, TimeSpan delay, string? message = null)
    {
        var writer = new ProtoWriter();
        writer.WriteVarintField(1, (ulong)code);
        if (message is not null)
        {
            writer.WriteStringField(2, message);
        }
        var any = writer.BeginMessage(3);
        writer.WriteStringField(1, "type.googleapis.com/google.rpc.RetryInfo");
        var retryInfo = writer.BeginMessage(2);
        var duration = writer.BeginMessage(1);
        writer.WriteVarintField(1, (ulong)(delay.Ticks / TimeSpan.TicksPerSecond));
        writer.WriteVarintField(2, (ulong)(delay.Ticks % TimeSpan.TicksPerSecond * 100));
        writer.EndMessage(duration);
        writer.EndMessage(retryInfo);
        writer.EndMessage(any);
        return Convert.ToBase64String(writer.ToArray());
    }
}
