using Akka.Streams.Dsl;

namespace ActorTracing.Streams.Kafka;

/// <summary>Sources over a Kafka consumer group (the subset of Akka.Streams.Kafka's KafkaConsumer this project needs).</summary>
public static class KafkaConsumer
{
    /// <summary>
    /// Records of <paramref name="topics"/> in poll order (so in offset order per partition), each
    /// with a <see cref="CommittableOffset"/>. The consumer is created and its poll thread started
    /// when the source is materialized; the materialized <see cref="IConsumerControl"/> stops and
    /// closes it. Nothing is committed unless the stream commits (see <see cref="Committer"/>).
    /// </summary>
    public static Source<CommittableMessage, IConsumerControl> CommittableSource(ConsumerSettings settings, IReadOnlyList<string> topics)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(topics);
        if (topics.Count == 0)
        {
            throw new ArgumentException("at least one topic is required", nameof(topics));
        }
        var control = new KafkaConsumerControl(settings, topics);
        // The consumer is started by materialization, not here, so a source built but never run
        // joins no group; a second materialization throws (one consumer, one stream).
        return ChannelSource.FromReader(control.Reader).MapMaterializedValue<IConsumerControl>(_ =>
        {
            control.Start();
            return control;
        });
    }
}
