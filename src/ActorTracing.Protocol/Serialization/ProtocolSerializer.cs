using System.Runtime.CompilerServices;
using System.Runtime.Serialization;
using ActorTracing.Domain;
using ActorTracing.Domain.Otlp;
using ActorTracing.Domain.Sampling;
using ActorTracing.Domain.Wire;
using ActorTracing.Protocol.Traces;
using Akka.Actor;
using Akka.Serialization;

namespace ActorTracing.Protocol.Serialization;

/// <summary>
/// Wire format of every <see cref="IProtocolMessage"/>: protobuf encoding written by hand with
/// the Domain's <see cref="ProtoWriter"/>. Spans travel as their raw OTLP bytes plus a
/// de-duplicated table of origins (resource + scope), and are decoded on arrival by the same
/// decoder ingest uses — so a span crossing regions is byte-for-byte what the SDK sent, and the
/// receiving node's spans point into the message buffer instead of copies.
/// </summary>
public sealed class ProtocolSerializer : SerializerWithStringManifest
{
    /// <summary>Akka reserves 0–40; ours is fixed forever once nodes exchange it.</summary>
    public const int SerializerId = 4201;

    public const string AppendSpansManifest = "AS";
    public const string GetTraceStatusManifest = "GS";
    public const string TraceStatusManifest = "TS";
    public const string DecidedManifest = "TD";
    public const string ProposeManifest = "GP";
    public const string GroupDecidedManifest = "GD";
    public const string ConfirmDeliveriesManifest = "DC";

    // Receipts name the sending node's redelivery actor: one per node, so a node sees a handful
    // of them. Resolving a path (parse, then look up or build a remote ref) on every AppendSpans,
    // and writing one out, were a per-message cost for the same few actors.
    private const int MaxResolved = 256;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, IActorRef> _resolved = new(StringComparer.Ordinal);
    private volatile Tuple<IActorRef, string>? _lastWritten;

    public ProtocolSerializer(ExtendedActorSystem system)
        : base(system)
    {
    }

    public override int Identifier => SerializerId;

    public override string Manifest(object o) => o switch
    {
        TraceCommands.AppendSpans => AppendSpansManifest,
        TraceQueries.GetTraceStatus => GetTraceStatusManifest,
        TraceQueries.TraceStatus => TraceStatusManifest,
        TraceEvents.Decided => DecidedManifest,
        TraceGroupCommands.Propose => ProposeManifest,
        TraceGroupCommands.GroupDecided => GroupDecidedManifest,
        TraceCommands.ConfirmDeliveries => ConfirmDeliveriesManifest,
        _ => throw new ArgumentException($"{o.GetType()} has no wire format in {nameof(ProtocolSerializer)}", nameof(o)),
    };

    public override byte[] ToBinary(object obj)
    {
        var writer = new ProtoWriter(obj is TraceCommands.AppendSpans a ? EstimateSize(a) : 256);
        switch (obj)
        {
            case TraceCommands.AppendSpans m:
                WriteAppendSpans(writer, m);
                // The bytes are copied into the wire form: the message's share of the request
                // body goes back now; the copy the receiving node reads owns its bytes.
                m.ReleaseSource();
                break;
            case TraceQueries.GetTraceStatus m:
                WriteTraceId(writer, 1, m.TraceId);
                break;
            case TraceQueries.TraceStatus m:
                WriteTraceStatus(writer, m);
                break;
            case TraceEvents.Decided m:
                WriteTraceId(writer, 1, m.TraceId);
                WriteDecision(writer, 2, m.Decision);
                writer.WriteStringField(3, m.CompletionReason);
                writer.WriteInt64Field(4, m.DecidedAt.UtcTicks);
                break;
            case TraceGroupCommands.Propose m:
                writer.WriteStringField(1, m.GroupKey);
                WriteTraceId(writer, 2, m.TraceId);
                WriteDecision(writer, 3, m.Decision);
                break;
            case TraceGroupCommands.GroupDecided m:
                writer.WriteStringField(1, m.GroupKey);
                WriteDecision(writer, 2, m.Decision);
                foreach (var member in m.Members)
                {
                    WriteTraceId(writer, 3, member);
                }
                break;
            case TraceCommands.ConfirmDeliveries m:
                // ConfirmDeliveries { 1: repeated id }
                foreach (var id in m.Ids)
                {
                    writer.WriteInt64Field(1, id);
                }
                break;
            default:
                throw new ArgumentException($"{obj.GetType()} has no wire format in {nameof(ProtocolSerializer)}", nameof(obj));
        }
        return writer.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest) => manifest switch
    {
        AppendSpansManifest => ReadAppendSpans(bytes, Resolve),
        GetTraceStatusManifest => new TraceQueries.GetTraceStatus(ReadTraceIdOnly(bytes)),
        TraceStatusManifest => ReadTraceStatus(bytes),
        DecidedManifest => ReadDecided(bytes),
        ProposeManifest => ReadPropose(bytes),
        GroupDecidedManifest => ReadGroupDecided(bytes),
        ConfirmDeliveriesManifest => ReadConfirmDeliveries(bytes),
        _ => throw new SerializationException($"Unknown manifest '{manifest}' for {nameof(ProtocolSerializer)}: a newer node sent a message this one does not know"),
    };

    private static int EstimateSize(TraceCommands.AppendSpans m)
    {
        var size = 64;
        foreach (var span in m.Spans)
        {
            size += span.Raw.Length + 8;
        }
        return size + 512;
    }

    // AppendSpans { 1: trace_id, 2: repeated Origin, 3: repeated SpanRef { 1: origin index, 2: raw span },
    //               4: receipt id, 5: receipt confirm-to actor path }
    private void WriteAppendSpans(ProtoWriter writer, TraceCommands.AppendSpans m)
    {
        WriteTraceId(writer, 1, m.TraceId);
        if (m.Receipt is { Waiting: { } waiting } local)
        {
            // A local wait cannot travel: its source hears it will not be confirmed this way, so
            // it keeps the spans' source (the record stays in the log or uncommitted) rather than
            // count them safe. The owner still gets the spans, with no receipt to confirm.
            waiting.Abandon(local.Cycle);
        }
        else if (m.Receipt is { ConfirmTo: { } confirmTo } receipt)
        {
            writer.WriteInt64Field(4, receipt.Id);
            writer.WriteStringField(5, PathOf(confirmTo));
        }
        // Spans of one request share one origin instance; identity is enough to de-duplicate.
        var origins = new Dictionary<SpanOrigin, int>(ReferenceEqualityComparer.Instance);
        foreach (var span in m.Spans)
        {
            if (origins.TryAdd(span.Origin, origins.Count))
            {
                var bookmark = writer.BeginMessage(2);
                writer.WriteStringField(1, span.Origin.ServiceName);
                writer.WriteStringField(2, span.Origin.Region);
                writer.WriteBytesField(3, span.Origin.Resource);
                writer.WriteBytesField(4, span.Origin.Scope);
                writer.WriteStringField(5, span.Origin.ResourceSchemaUrl);
                writer.WriteStringField(6, span.Origin.ScopeSchemaUrl);
                writer.EndMessage(bookmark);
            }
        }
        foreach (var span in m.Spans)
        {
            var bookmark = writer.BeginMessage(3);
            writer.WriteVarintField(1, (ulong)origins[span.Origin]);
            writer.WriteBytesField(2, span.Raw.Span);
            writer.EndMessage(bookmark);
        }
    }

    private string PathOf(IActorRef actor)
    {
        if (_lastWritten is { } last && ReferenceEquals(last.Item1, actor))
        {
            return last.Item2;
        }
        var path = Akka.Serialization.Serialization.SerializedActorPath(actor);
        _lastWritten = Tuple.Create(actor, path);
        return path;
    }

    private IActorRef Resolve(string path)
    {
        if (_resolved.TryGetValue(path, out var actor))
        {
            return actor;
        }
        if (_resolved.Count >= MaxResolved)
        {
            _resolved.Clear(); // paths of nodes long gone; the live ones come back on first use
        }
        actor = system.Provider.ResolveActorRef(path);
        _resolved[path] = actor;
        return actor;
    }

    private static TraceCommands.AppendSpans ReadAppendSpans(byte[] bytes, Func<string, IActorRef> resolve)
    {
        TraceId traceId = default;
        long receiptId = 0;
        string? confirmTo = null;
        var origins = new List<SpanOrigin>(1);
        var spans = new List<BufferedSpan>();
        var reader = new ProtoReader(bytes);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field)
            {
                case 1:
                    traceId = ReadTraceId(ref reader, wireType);
                    break;
                case 2:
                    reader.Expect(wireType, WireType.LengthDelimited, "AppendSpans.origin");
                    origins.Add(ReadOrigin(reader.ReadLengthDelimited()));
                    break;
                case 3:
                    reader.Expect(wireType, WireType.LengthDelimited, "AppendSpans.span");
                    var message = reader.ReadLengthDelimited(out var offset);
                    spans.Add(ReadSpanRef(bytes, message, offset, origins));
                    break;
                case 4:
                    reader.Expect(wireType, WireType.Varint, "AppendSpans.receipt_id");
                    receiptId = (long)reader.ReadVarint();
                    break;
                case 5:
                    confirmTo = ReadString(ref reader, wireType, "AppendSpans.confirm_to");
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }
        return new TraceCommands.AppendSpans(traceId, spans)
        {
            Receipt = confirmTo is null ? null : new DeliveryReceipt(receiptId, resolve(confirmTo)),
        };
    }

    private static TraceCommands.ConfirmDeliveries ReadConfirmDeliveries(byte[] bytes)
    {
        var ids = new List<long>();
        var reader = new ProtoReader(bytes);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            if (field == 1)
            {
                reader.Expect(wireType, WireType.Varint, "ConfirmDeliveries.id");
                ids.Add((long)reader.ReadVarint());
            }
            else
            {
                reader.Skip(wireType);
            }
        }
        return new TraceCommands.ConfirmDeliveries(ids);
    }

    private static SpanOrigin ReadOrigin(ReadOnlySpan<byte> message)
    {
        string service = string.Empty, region = string.Empty, resourceSchema = string.Empty, scopeSchema = string.Empty;
        byte[] resource = [], scope = [];
        var reader = new ProtoReader(message);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field)
            {
                case 1: service = ReadString(ref reader, wireType, "Origin.service"); break;
                case 2: region = ReadString(ref reader, wireType, "Origin.region"); break;
                case 3:
                    reader.Expect(wireType, WireType.LengthDelimited, "Origin.resource");
                    resource = reader.ReadLengthDelimited().ToArray();
                    break;
                case 4:
                    reader.Expect(wireType, WireType.LengthDelimited, "Origin.scope");
                    scope = reader.ReadLengthDelimited().ToArray();
                    break;
                case 5: resourceSchema = ReadString(ref reader, wireType, "Origin.resource_schema_url"); break;
                case 6: scopeSchema = ReadString(ref reader, wireType, "Origin.scope_schema_url"); break;
                default: reader.Skip(wireType); break;
            }
        }
        return new SpanOrigin(service, region, resource, scope, resourceSchema, scopeSchema);
    }

    private static BufferedSpan ReadSpanRef(byte[] bytes, ReadOnlySpan<byte> message, int messageOffset, List<SpanOrigin> origins)
    {
        var originIndex = -1;
        ReadOnlyMemory<byte> raw = default;
        var reader = new ProtoReader(message);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field)
            {
                case 1:
                    reader.Expect(wireType, WireType.Varint, "SpanRef.origin");
                    originIndex = checked((int)reader.ReadVarint());
                    break;
                case 2:
                    reader.Expect(wireType, WireType.LengthDelimited, "SpanRef.raw");
                    var span = reader.ReadLengthDelimited(out var offset);
                    // A slice of the message buffer: the span keeps the buffer alive, no copy.
                    raw = bytes.AsMemory(messageOffset + offset, span.Length);
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }
        if ((uint)originIndex >= (uint)origins.Count)
        {
            throw new SerializationException($"AppendSpans span refers to origin {originIndex} of {origins.Count}");
        }
        return OtlpTraceDecoder.DecodeSpan(raw, origins[originIndex]);
    }

    private static void WriteTraceStatus(ProtoWriter writer, TraceQueries.TraceStatus m)
    {
        WriteTraceId(writer, 1, m.TraceId);
        writer.WriteVarintField(2, (ulong)m.SpansBuffered);
        writer.WriteInt64Field(3, m.BytesBuffered);
        writer.WriteBoolField(4, m.RootSeen);
        foreach (var region in m.Regions)
        {
            writer.WriteStringField(5, region);
        }
        if (m.Decision is not null)
        {
            WriteDecision(writer, 6, m.Decision);
        }
        if (m.CompletionReason is not null)
        {
            writer.WriteStringField(7, m.CompletionReason);
        }
        if (m.NextCheck is { } next)
        {
            writer.WriteInt64Field(8, next.UtcTicks);
        }
    }

    private static TraceQueries.TraceStatus ReadTraceStatus(byte[] bytes)
    {
        TraceId traceId = default;
        int spans = 0;
        long bufferedBytes = 0;
        var root = false;
        var regions = new List<string>();
        SamplingDecision? decision = null;
        string? completion = null;
        DateTimeOffset? next = null;
        var reader = new ProtoReader(bytes);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field)
            {
                case 1: traceId = ReadTraceId(ref reader, wireType); break;
                case 2: spans = checked((int)ReadVarint(ref reader, wireType, "TraceStatus.spans")); break;
                case 3: bufferedBytes = (long)ReadVarint(ref reader, wireType, "TraceStatus.bytes"); break;
                case 4: root = ReadVarint(ref reader, wireType, "TraceStatus.root") != 0; break;
                case 5: regions.Add(ReadString(ref reader, wireType, "TraceStatus.region")); break;
                case 6:
                    reader.Expect(wireType, WireType.LengthDelimited, "TraceStatus.decision");
                    decision = ReadDecision(reader.ReadLengthDelimited());
                    break;
                case 7: completion = ReadString(ref reader, wireType, "TraceStatus.completion_reason"); break;
                case 8: next = new DateTimeOffset((long)ReadVarint(ref reader, wireType, "TraceStatus.next_check"), TimeSpan.Zero); break;
                default: reader.Skip(wireType); break;
            }
        }
        return new TraceQueries.TraceStatus(traceId, spans, bufferedBytes, root, regions, decision, completion, next);
    }

    private static TraceEvents.Decided ReadDecided(byte[] bytes)
    {
        TraceId traceId = default;
        SamplingDecision? decision = null;
        var completion = string.Empty;
        long ticks = 0;
        var reader = new ProtoReader(bytes);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field)
            {
                case 1: traceId = ReadTraceId(ref reader, wireType); break;
                case 2:
                    reader.Expect(wireType, WireType.LengthDelimited, "Decided.decision");
                    decision = ReadDecision(reader.ReadLengthDelimited());
                    break;
                case 3: completion = ReadString(ref reader, wireType, "Decided.completion_reason"); break;
                case 4: ticks = (long)ReadVarint(ref reader, wireType, "Decided.decided_at"); break;
                default: reader.Skip(wireType); break;
            }
        }
        return new TraceEvents.Decided(
            traceId,
            decision ?? throw new SerializationException("Decided event without a decision"),
            completion,
            new DateTimeOffset(ticks, TimeSpan.Zero));
    }

    private static TraceGroupCommands.Propose ReadPropose(byte[] bytes)
    {
        var key = string.Empty;
        TraceId traceId = default;
        SamplingDecision? decision = null;
        var reader = new ProtoReader(bytes);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field)
            {
                case 1: key = ReadString(ref reader, wireType, "Propose.group_key"); break;
                case 2: traceId = ReadTraceId(ref reader, wireType); break;
                case 3:
                    reader.Expect(wireType, WireType.LengthDelimited, "Propose.decision");
                    decision = ReadDecision(reader.ReadLengthDelimited());
                    break;
                default: reader.Skip(wireType); break;
            }
        }
        return new TraceGroupCommands.Propose(key, traceId, decision ?? throw new SerializationException("Propose without a decision"));
    }

    private static TraceGroupCommands.GroupDecided ReadGroupDecided(byte[] bytes)
    {
        var key = string.Empty;
        SamplingDecision? decision = null;
        var members = new List<TraceId>();
        var reader = new ProtoReader(bytes);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field)
            {
                case 1: key = ReadString(ref reader, wireType, "GroupDecided.group_key"); break;
                case 2:
                    reader.Expect(wireType, WireType.LengthDelimited, "GroupDecided.decision");
                    decision = ReadDecision(reader.ReadLengthDelimited());
                    break;
                case 3: members.Add(ReadTraceId(ref reader, wireType)); break;
                default: reader.Skip(wireType); break;
            }
        }
        return new TraceGroupCommands.GroupDecided(key, decision ?? throw new SerializationException("GroupDecided without a decision"), members);
    }

    // SamplingDecision { 1: keep, 2: reason, 3: sample_rate }
    private static void WriteDecision(ProtoWriter writer, int field, SamplingDecision decision)
    {
        var bookmark = writer.BeginMessage(field);
        writer.WriteBoolField(1, decision.Keep);
        writer.WriteStringField(2, decision.Reason);
        writer.WriteVarintField(3, decision.SampleRate);
        writer.EndMessage(bookmark);
    }

    private static SamplingDecision ReadDecision(ReadOnlySpan<byte> message)
    {
        var keep = false;
        var reason = string.Empty;
        uint rate = 0;
        var reader = new ProtoReader(message);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field)
            {
                case 1: keep = ReadVarint(ref reader, wireType, "Decision.keep") != 0; break;
                case 2: reason = ReadString(ref reader, wireType, "Decision.reason"); break;
                case 3: rate = checked((uint)ReadVarint(ref reader, wireType, "Decision.sample_rate")); break;
                default: reader.Skip(wireType); break;
            }
        }
        return new SamplingDecision(keep, reason, rate);
    }

    private static void WriteTraceId(ProtoWriter writer, int field, TraceId id)
    {
        Span<byte> bytes = stackalloc byte[TraceId.ByteLength];
        id.WriteTo(bytes);
        writer.WriteBytesField(field, bytes);
    }

    private static TraceId ReadTraceIdOnly(byte[] bytes)
    {
        var reader = new ProtoReader(bytes);
        TraceId id = default;
        while (reader.TryReadTag(out var field, out var wireType))
        {
            if (field == 1)
            {
                id = ReadTraceId(ref reader, wireType);
            }
            else
            {
                reader.Skip(wireType);
            }
        }
        return id;
    }

    private static TraceId ReadTraceId(ref ProtoReader reader, WireType wireType)
    {
        reader.Expect(wireType, WireType.LengthDelimited, "trace_id");
        if (!TraceId.TryRead(reader.ReadLengthDelimited(), out var id))
        {
            throw new SerializationException("trace_id is not 16 non-zero bytes");
        }
        return id;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ReadVarint(ref ProtoReader reader, WireType wireType, string field)
    {
        reader.Expect(wireType, WireType.Varint, field);
        return reader.ReadVarint();
    }

    private static string ReadString(ref ProtoReader reader, WireType wireType, string field)
    {
        reader.Expect(wireType, WireType.LengthDelimited, field);
        return reader.ReadString();
    }
}
