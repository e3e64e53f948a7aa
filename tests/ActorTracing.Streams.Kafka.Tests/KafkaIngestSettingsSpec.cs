using ActorTracing.Ingest;
using Akka.Configuration;

namespace ActorTracing.Streams.Kafka.Tests;

public sealed class KafkaIngestSettingsSpec
{
    [Fact]
    public void The_embedded_defaults_leave_kafka_off_with_the_documented_values()
    {
        var kafka = IngestSettings.Create(ConfigurationFactory.Empty).Kafka;

        Assert.False(kafka.Enabled);
        Assert.Equal(["otlp_spans"], kafka.Topics);
        Assert.Equal("127.0.0.1:9092", kafka.BootstrapServers);
        Assert.Equal("actortracing-ingest", kafka.GroupId);
        Assert.Equal(string.Empty, kafka.Region);
        Assert.Equal(TimeSpan.FromSeconds(1), kafka.CommitInterval);
        Assert.Equal(64, kafka.MaxPollBatch);
        Assert.Equal(TimeSpan.FromSeconds(1), kafka.RestartMinBackoff);
        Assert.Equal(TimeSpan.FromSeconds(30), kafka.RestartMaxBackoff);
        Assert.Equal("decided", kafka.CommitAfter);
        Assert.True(kafka.CommitsAfterDecision);
        Assert.Equal(20_000, kafka.MaxUndecidedRecords);
        Assert.Empty(kafka.Properties);
    }

    [Fact]
    public void A_node_config_sets_the_kafka_keys_and_passes_librdkafka_properties_through()
    {
        var config = ConfigurationFactory.ParseString("""
            actortracing.ingest.kafka {
              enabled = on
              bootstrap-servers = "kafka-iad:9092"
              topics = ["otlp_spans_iad", "otlp_spans_sfo"]
              group-id = "iad"
              region = "iad"
              commit-interval = 250ms
              max-poll-batch = 8
              restart-min-backoff = 500ms
              restart-max-backoff = 2m
              commit-after = accepted
              max-undecided-records = 500
              properties { "security.protocol" = "SASL_SSL" }
            }
            """);

        var kafka = IngestSettings.Create(config).Kafka;

        Assert.True(kafka.Enabled);
        Assert.Equal(["otlp_spans_iad", "otlp_spans_sfo"], kafka.Topics);
        Assert.Equal("iad", kafka.Region);
        Assert.Equal(TimeSpan.FromMilliseconds(250), kafka.CommitInterval);
        Assert.Equal(8, kafka.MaxPollBatch);
        Assert.Equal(TimeSpan.FromMilliseconds(500), kafka.RestartMinBackoff);
        Assert.Equal(TimeSpan.FromMinutes(2), kafka.RestartMaxBackoff);
        Assert.Equal("SASL_SSL", kafka.Properties["security.protocol"]);
        Assert.False(kafka.CommitsAfterDecision);
        Assert.Equal(500, kafka.MaxUndecidedRecords);
    }

    [Theory]
    [InlineData("topics = []", "actortracing.ingest.kafka.topics")]
    [InlineData("bootstrap-servers = \"\"", "actortracing.ingest.kafka.bootstrap-servers")]
    [InlineData("group-id = \"\"", "actortracing.ingest.kafka.group-id")]
    [InlineData("commit-interval = 0s", "actortracing.ingest.kafka.commit-interval")]
    [InlineData("max-poll-batch = 0", "actortracing.ingest.kafka.max-poll-batch")]
    [InlineData("commit-after = stored", "actortracing.ingest.kafka.commit-after")]
    [InlineData("max-undecided-records = 0", "actortracing.ingest.kafka.max-undecided-records")]
    [InlineData("restart-min-backoff = 0s", "actortracing.ingest.kafka.restart-min-backoff")]
    [InlineData("restart-min-backoff = 10s\nrestart-max-backoff = 5s", "actortracing.ingest.kafka.restart-max-backoff")]
    public void An_invalid_value_is_refused_naming_its_key_when_enabled(string line, string key)
    {
        var config = ConfigurationFactory.ParseString($"actortracing.ingest.kafka {{ enabled = on\n{line} }}");

        var error = Assert.Throws<ConfigurationException>(() => IngestSettings.Create(config));

        Assert.StartsWith(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_values_are_ignored_while_kafka_is_off()
    {
        var config = ConfigurationFactory.ParseString("actortracing.ingest.kafka { topics = [] }");

        Assert.False(IngestSettings.Create(config).Kafka.Enabled);
    }
}
