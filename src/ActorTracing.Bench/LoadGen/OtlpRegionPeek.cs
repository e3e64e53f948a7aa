using ActorTracing.Domain.Otlp;
using ActorTracing.Domain.Wire;

namespace ActorTracing.Bench;

/// <summary>
/// Reads the <c>cloud.region</c> of the first resource of an encoded ExportTraceServiceRequest
/// without decoding its spans. The traffic model batches per region, so the first resource names
/// the region of the whole request; that is all <see cref="RoutingOtlpSender"/> needs to pick a
/// node, and it runs on every request of the generator, so it reads only the first resource.
/// </summary>
public static class OtlpRegionPeek
{
    /// <returns>The region, or null when the first resource has none (or the request has no resource).</returns>
    public static string? FirstResourceRegion(ReadOnlySpan<byte> request)
    {
        var r = new ProtoReader(request);
        while (r.TryReadTag(out var field, out var wire))
        {
            // ExportTraceServiceRequest.resource_spans = 1
            if (field == 1 && wire == WireType.LengthDelimited)
            {
                return ResourceSpansRegion(r.ReadLengthDelimited());
            }
            r.Skip(wire);
        }
        return null;
    }

    private static string? ResourceSpansRegion(ReadOnlySpan<byte> resourceSpans)
    {
        var r = new ProtoReader(resourceSpans);
        while (r.TryReadTag(out var field, out var wire))
        {
            // ResourceSpans.resource = 1
            if (field == 1 && wire == WireType.LengthDelimited)
            {
                return ResourceRegion(r.ReadLengthDelimited());
            }
            r.Skip(wire);
        }
        return null;
    }

    private static string? ResourceRegion(ReadOnlySpan<byte> resource)
    {
        var r = new ProtoReader(resource);
        while (r.TryReadTag(out var field, out var wire))
        {
            // Resource.attributes = 1 (KeyValue)
            if (field == 1 && wire == WireType.LengthDelimited)
            {
                if (KeyValueString(r.ReadLengthDelimited(), OtlpTraceDecoder.CloudRegionKey) is { } region)
                {
                    return region;
                }
            }
            else
            {
                r.Skip(wire);
            }
        }
        return null;
    }

    /// <summary>The string value of a KeyValue whose key is <paramref name="key"/>, else null.</summary>
    private static string? KeyValueString(ReadOnlySpan<byte> keyValue, string key)
    {
        var r = new ProtoReader(keyValue);
        var matched = false;
        while (r.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == WireType.LengthDelimited)
            {
                matched = r.ReadString() == key;
                if (!matched)
                {
                    return null;
                }
            }
            else if (field == 2 && wire == WireType.LengthDelimited && matched)
            {
                // AnyValue.string_value = 1
                var value = new ProtoReader(r.ReadLengthDelimited());
                while (value.TryReadTag(out var vf, out var vw))
                {
                    if (vf == 1 && vw == WireType.LengthDelimited)
                    {
                        return value.ReadString();
                    }
                    value.Skip(vw);
                }
                return null;
            }
            else
            {
                r.Skip(wire);
            }
        }
        return null;
    }
}
