using Akka;
using Akka.Streams.Dsl;
using Confluent.Kafka;

namespace ActorTracing.Streams.Kafka;

/// <summary>Batches <see cref="CommittableOffset"/>s and commits the highest offset per partition.</summary>
public static class Committer
{
    /// <summary>
    /// Commits each batch (at most <see cref="CommitterSettings.MaxBatch"/> offsets or
    /// <see cref="CommitterSettings.MaxInterval"/>) before taking the next, so commits for one
    /// partition reach the broker in order and a later commit never moves an offset back.
    /// Emits the number of offsets each commit covered.
    /// </summary>
    public static Flow<CommittableOffset, int, NotUsed> Flow(CommitterSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Akka.Streams.Dsl.Flow.Create<CommittableOffset>()
            .GroupedWithin(Math.Max(1, settings.MaxBatch), settings.MaxInterval)
            .SelectAsync(1, async batch =>
            {
                var list = batch as IReadOnlyList<CommittableOffset> ?? batch.ToList();
                foreach (var (committer, offsets) in Highest(list))
                {
                    await committer.CommitAsync(offsets).ConfigureAwait(false);
                }
                return list.Count;
            });
    }

    /// <summary><see cref="Flow"/> into a sink; its task completes once the last batch is committed (stream completion flushes it).</summary>
    public static Sink<CommittableOffset, Task<Done>> Sink(CommitterSettings settings) =>
        Flow(settings).ToMaterialized(Akka.Streams.Dsl.Sink.Ignore<int>(), Keep.Right);

    /// <summary>Per committer, the next offset to read for each partition: highest handled offset + 1.</summary>
    internal static IEnumerable<(IKafkaCommitter Committer, IReadOnlyList<TopicPartitionOffset> Offsets)> Highest(IEnumerable<CommittableOffset> batch) =>
        batch
            .GroupBy(o => o.Committer)
            .Select(g => (g.Key, (IReadOnlyList<TopicPartitionOffset>)g
                .GroupBy(o => o.Position.TopicPartition)
                .Select(p => new TopicPartitionOffset(p.Key, p.Max(o => o.Position.Offset.Value) + 1))
                .ToList()));
}
