using Akka.Configuration;

namespace ActorTracing.Ingest.Tests;

public sealed class IngestSettingsSpec
{
    [Fact]
    public void The_hocon_file_parses_and_its_defaults_equal_the_code_defaults()
    {
        var config = ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "hocon", "ingest.conf")));

        Assert.Equal(IngestSettings.Default, IngestSettings.Create(config));
        Assert.Equal(IngestSettings.Default, IngestSettings.Create(Config.Empty));
    }

    [Fact]
    public void Every_key_is_read_from_the_section()
    {
        var settings = IngestSettings.Create(ConfigurationFactory.ParseString("""
            actortracing.ingest {
              region = "eu-west-1"
              max-request-size = 512 KiB
              grpc { enabled = off, endpoint = "*:14317" }
              http { enabled = on, endpoint = "localhost:14318" }
              inline-io = off
            }
            """));

        Assert.Equal("eu-west-1", settings.Region);
        Assert.Equal(512 * 1024, settings.MaxRequestBytes);
        Assert.False(settings.EnableGrpc);
        Assert.Equal("*:14317", settings.GrpcEndpoint);
        Assert.True(settings.EnableHttp);
        Assert.Equal(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 14318), settings.HttpIPEndPoint);
        Assert.False(settings.InlineIo);
    }

    [Theory]
    [InlineData("region = \"\"", "actortracing.ingest.region")]
    [InlineData("max-request-size = 10", "actortracing.ingest.max-request-size")]
    [InlineData("max-request-size = 2 GiB", "actortracing.ingest.max-request-size")]
    [InlineData("grpc.endpoint = \"nowhere\"", "actortracing.ingest.grpc.endpoint")]
    [InlineData("http.endpoint = \"127.0.0.1:99999\"", "actortracing.ingest.http.endpoint")]
    [InlineData("http.endpoint = \"127.0.0.1:4317\"", "actortracing.ingest.grpc.endpoint")]
    [InlineData("grpc.enabled = off\nhttp.enabled = off", "actortracing.ingest.grpc.enabled")]
    [InlineData("inline-io = sometimes", "actortracing.ingest.inline-io")]
    [InlineData("wal.directory = \"\"", "actortracing.ingest.wal.directory")]
    [InlineData("wal.segment-size = 1 KiB", "actortracing.ingest.wal.segment-size")]
    [InlineData("wal.segment-size = 2 GiB", "actortracing.ingest.wal.segment-size")]
    [InlineData("wal.segment-size = lots", "actortracing.ingest.wal.segment-size")]
    [InlineData("wal.max-size = 100 MiB", "actortracing.ingest.wal.max-size")]
    [InlineData("wal.sync-interval = -1s", "actortracing.ingest.wal.sync-interval")]
    [InlineData("wal.sync-interval = soon", "actortracing.ingest.wal.sync-interval")]
    public void An_invalid_value_is_refused_naming_its_key(string hocon, string key)
    {
        var ex = Assert.Throws<ConfigurationException>(
            () => IngestSettings.Create(ConfigurationFactory.ParseString("actortracing.ingest {\n" + hocon + "\n}")));

        Assert.Contains(key, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_write_ahead_log_keys_are_read_and_sync_interval_takes_a_duration_or_off()
    {
        var settings = IngestSettings.Create(ConfigurationFactory.ParseString("""
            actortracing.ingest.wal {
              directory = "/var/lib/actortracing/wal"
              segment-size = 16 MiB
              max-size = 1 GiB
              sync-interval = 2s
            }
            """));

        Assert.True(settings.WriteAheadLog.Enabled);
        Assert.Equal("/var/lib/actortracing/wal", settings.WriteAheadLog.Directory);
        Assert.Equal(16L * 1024 * 1024, settings.WriteAheadLog.SegmentBytes);
        Assert.Equal(1024L * 1024 * 1024, settings.WriteAheadLog.MaxBytes);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.WriteAheadLog.SyncInterval);
        Assert.Equal(TimeSpan.Zero, IngestSettings.Create(ConfigurationFactory.ParseString("actortracing.ingest.wal.sync-interval = off")).WriteAheadLog.SyncInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(250), IngestSettings.Create(ConfigurationFactory.ParseString("actortracing.ingest.wal.sync-interval = 250ms")).WriteAheadLog.SyncInterval);
        Assert.False(IngestSettings.Create(ConfigurationFactory.ParseString("actortracing.ingest.wal { enabled = off, directory = \"\" }")).WriteAheadLog.Enabled);
    }

    [Fact]
    public void An_endpoint_of_a_disabled_receiver_is_not_validated()
    {
        var settings = IngestSettings.Create(ConfigurationFactory.ParseString("actortracing.ingest.grpc { enabled = off, endpoint = \"garbage\" }"));

        Assert.False(settings.EnableGrpc);
    }
}
