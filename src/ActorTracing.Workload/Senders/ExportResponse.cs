using ActorTracing.Domain.Wire;

namespace ActorTracing.Workload;

/// <summary>Reads the few response fields a sender acts on, without a protobuf runtime.</summary>
internal static class ExportResponse
{
    // ExportTraceServiceResponse.partial_success = 1; ExportTracePartialSuccess.rejected_spans = 1.
    private const int PartialSuccess = 1;
    private const int RejectedSpans = 1;

    // google.rpc.Status.details = 3 (Any: type_url = 1, value = 2); RetryInfo.retry_delay = 1
    // (Duration: seconds = 1, nanos = 2).
    private const int StatusDetails = 3;
    private const string RetryInfoType = "type.googleapis.com/google.rpc.RetryInfo";

    /// <summary>partial_success.rejected_spans, or 0 when absent or unreadable (the ack itself counts).</summary>
    public static long ReadRejectedSpans(ReadOnlySpan<byte> response)
    {
        try
        {
            var reader = new ProtoReader(response);
            while (reader.TryReadTag(out var field, out var wire))
            {
                if (field == PartialSuccess && wire == WireType.LengthDelimited)
                {
                    var inner = new ProtoReader(reader.ReadLengthDelimited());
                    while (inner.TryReadTag(out var innerField, out var innerWire))
                    {
                        if (innerField == RejectedSpans && innerWire == WireType.Varint)
                        {
                            return (long)inner.ReadVarint();
                        }
                        inner.Skip(innerWire);
                    }
                    return 0;
                }
                reader.Skip(wire);
            }
        }
        catch (ProtoFormatException)
        {
            // A node answering garbage still answered 200; the span count is what we cannot know.
        }
        return 0;
    }

    /// <summary>The RetryInfo delay inside a grpc-status-details-bin trailer, if the node sent one.</summary>
    public static TimeSpan? ReadRetryInfo(ReadOnlySpan<byte> statusDetails)
    {
        try
        {
            var reader = new ProtoReader(statusDetails);
            while (reader.TryReadTag(out var field, out var wire))
            {
                if (field != StatusDetails || wire != WireType.LengthDelimited)
                {
                    reader.Skip(wire);
                    continue;
                }
                var any = new ProtoReader(reader.ReadLengthDelimited());
                var typeUrl = string.Empty;
                ReadOnlySpan<byte> value = default;
                while (any.TryReadTag(out var anyField, out var anyWire))
                {
                    if (anyField == 1 && anyWire == WireType.LengthDelimited)
                    {
                        typeUrl = any.ReadString();
                    }
                    else if (anyField == 2 && anyWire == WireType.LengthDelimited)
                    {
                        value = any.ReadLengthDelimited();
                    }
                    else
                    {
                        any.Skip(anyWire);
                    }
                }
                if (typeUrl == RetryInfoType)
                {
                    return ReadRetryDelay(value);
                }
            }
        }
        catch (ProtoFormatException)
        {
            // Unreadable details: fall back to exponential backoff.
        }
        return null;
    }

    private static TimeSpan? ReadRetryDelay(ReadOnlySpan<byte> retryInfo)
    {
        var reader = new ProtoReader(retryInfo);
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == WireType.LengthDelimited)
            {
                var duration = new ProtoReader(reader.ReadLengthDelimited());
                long seconds = 0, nanos = 0;
                while (duration.TryReadTag(out var f, out var w))
                {
                    if (f == 1 && w == WireType.Varint)
                    {
                        seconds = (long)duration.ReadVarint();
                    }
                    else if (f == 2 && w == WireType.Varint)
                    {
                        nanos = (long)duration.ReadVarint();
                    }
                    else
                    {
                        duration.Skip(w);
                    }
                }
                return TimeSpan.FromTicks((seconds * TimeSpan.TicksPerSecond) + (nanos / 100));
            }
            reader.Skip(wire);
        }
        return null;
    }
}
