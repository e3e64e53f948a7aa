using ActorTracing.Actors.Traces;
using ActorTracing.Domain;
using ActorTracing.Protocol.Traces;

namespace ActorTracing.Actors.Tests.Traces;

public sealed class TraceMessageExtractorSpec
{
    [Fact]
    public void Every_message_of_a_trace_maps_to_its_shard_whose_entity_is_the_shard_itself()
    {
        var extractor = new TraceMessageExtractor(100);
        var id = new TraceId(0x0123456789ABCDEF, 0xFEDCBA9876543210);
        var append = new TraceCommands.AppendSpans(id, []);
        var query = new TraceQueries.GetTraceStatus(id);
        Assert.Equal(extractor.ShardOf(id), extractor.EntityId(append));
        Assert.Same(extractor.EntityId(append), extractor.EntityId(query));
        Assert.Equal(extractor.ShardId(append), extractor.ShardId(query));
        Assert.Equal(extractor.ShardId(append), extractor.ShardId(extractor.EntityId(append)!));
        Assert.Same(append, extractor.EntityMessage(append));
    }

    [Fact]
    public void Shards_are_spread_evenly_by_the_stable_hash()
    {
        var extractor = new TraceMessageExtractor(10);
        var rng = new Random(7);
        var counts = new int[10];
        for (var i = 0; i < 10_000; i++)
        {
            var id = new TraceId((ulong)rng.NextInt64(), (ulong)rng.NextInt64());
            counts[int.Parse(extractor.ShardId(new TraceQueries.GetTraceStatus(id)), System.Globalization.CultureInfo.InvariantCulture)]++;
        }
        Assert.All(counts, c => Assert.InRange(c, 850, 1150));
    }

    [Fact]
    public void Shard_ids_are_the_decimal_shard_numbers_and_shared_between_messages()
    {
        var extractor = new TraceMessageExtractor(1_000);
        var id = new TraceId(0x0123456789ABCDEF, 0xFEDCBA9876543210);
        var expected = ((int)(id.StableHash() % 1_000)).ToString(System.Globalization.CultureInfo.InvariantCulture);

        var first = extractor.ShardId(new TraceCommands.AppendSpans(id, []));
        var second = extractor.ShardId(new TraceQueries.GetTraceStatus(id));

        Assert.Equal(expected, first);
        Assert.Same(first, second);
    }
}
