namespace ActorTracing.Ingest.Tests;

/// <summary>The receivers' request durations, one histogram per protocol.</summary>
public sealed class IngestCountersSpec
{
    [Fact]
    public void Each_protocol_has_its_own_duration_histogram_and_an_unknown_one_is_an_error_not_another_protocols()
    {
        var counters = new IngestCounters();
        counters.Answered(OtlpProtocols.HttpJson, TimeSpan.FromMilliseconds(1));

        Assert.Equal(1, counters.RequestDuration(OtlpProtocols.HttpJson).Snapshot().Cumulative[^1]);
        Assert.Equal(0, counters.RequestDuration(OtlpProtocols.Grpc).Snapshot().Cumulative[^1]);
        var e = Assert.Throws<ArgumentException>(() => counters.RequestDuration("udp"));
        Assert.Contains("unknown protocol 'udp'", e.Message, StringComparison.Ordinal);
    }
}
