using ActorTracing.Actors.Sampling;
using ActorTracing.Actors.Traces;
using ActorTracing.Ingest;
using ActorTracing.Node.Configuration;
using ActorTracing.Node.Hosting;
using ActorTracing.Storage;
using Akka.Configuration;

namespace ActorTracing.Node.Tests;

/// <summary>Every shipped HOCON file parses, and the typed settings accept the shipped defaults.</summary>
public sealed class HoconDefaultsSpec
{
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var f in HoconDefaults.Files)
        {
            data.Add(f);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_embedded_hocon_file_parses(string file)
    {
        var config = ConfigurationFactory.ParseString(HoconDefaults.Read(file));
        Assert.False(config.IsEmpty);
    }

    [Fact]
    public void Every_hocon_file_in_the_repository_is_embedded()
    {
        var dir = FindHoconDirectory();
        var onDisk = Directory.GetFiles(dir, "*.conf").Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(HoconDefaults.Files.Order().ToArray(), onDisk);
    }

    [Fact]
    public void The_shipped_defaults_produce_valid_settings()
    {
        var config = HoconDefaults.Load();
        var node = NodeSettings.Create(config);
        Assert.Equal("127.0.0.1", node.Hostname);
        Assert.Equal(-10, node.GcThreadNice);
        Assert.Equal(64L << 20, node.MemoryReleaseThreshold);
        Assert.True(node.RedeliveryEnabled);
        Assert.Equal(TimeSpan.FromSeconds(5), node.RedeliverAfter);
        Assert.Equal(256L << 20, node.MaxUnconfirmedBytes);
        Assert.Equal(TimeSpan.FromSeconds(10), TraceActorSettings.Create(config).MemoryTrimInterval);
        Assert.True(IngestSettings.Create(config).InlineIo);
        Assert.Equal(TimeSpan.FromSeconds(2), TraceActorSettings.Create(config).Completion.SendDelay);
        Assert.Equal(TimeSpan.FromMilliseconds(10), TraceActorSettings.Create(config).CompletionTick);
        Assert.Equal(TimeSpan.FromMilliseconds(100), TraceActorSettings.Create(config).ConfirmInterval);
        Assert.Equal(TimeSpan.FromSeconds(5), TraceActorSettings.Create(config).LookupTimeout);
        Assert.Equal("127.0.0.1:4317", IngestSettings.Create(config).GrpcEndpoint);
        Assert.Equal("127.0.0.1:4318", IngestSettings.Create(config).HttpEndpoint);
        Assert.NotNull(StorageSettings.Create(config));
        Assert.NotEmpty(SamplingRulesConfig.Parse(config).Rules);
    }

    [Theory]
    [InlineData("actortracing.storage.database = \"bad-name\"", "actortracing.storage.database")]
    [InlineData("actortracing.storage.batch-size = 0", "actortracing.storage.batch-size")]
    [InlineData("actortracing.trace.send-delay = 40s", "actortracing.trace.send-delay")]
    [InlineData("actortracing.sampling.rules = [{ name = \"bad name!\", action { type = keep } }]", "actortracing.sampling.rules[0].name")]
    public async Task A_value_a_section_refuses_stops_the_node_start_as_a_configuration_error_naming_its_key(string overrides, string key)
    {
        // The storage section refuses with ArgumentException, the trace section and the sampling
        // rules with exceptions of their own: out of the node's start, both are a configuration error (the CLI's exit 3
        // and one line), not an unhandled exception that aborts the process (it was exit 134).
        var options = new NodeOptions { Overrides = overrides };

        var e = await Assert.ThrowsAsync<ConfigurationException>(() => NodeHost.StartAsync(options));

        Assert.Contains(key, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_invalid_value_is_reported_with_its_full_key()
    {
        var config = HoconDefaults.Load(overrides: "actortracing.trace.send-delay = 40s");
        var e = Assert.Throws<SettingsException>(() => TraceActorSettings.Create(config));
        Assert.Contains("actortracing.trace.send-delay", e.Message, StringComparison.Ordinal);

        foreach (var key in new[] { "completion-tick", "confirm-interval", "durable-decisions.lookup-timeout", "memory-trim-interval" })
        {
            var zero = HoconDefaults.Load(overrides: $"actortracing.trace.{key} = 0s");
            Assert.Contains("actortracing.trace." + key, Assert.Throws<SettingsException>(() => TraceActorSettings.Create(zero)).Message, StringComparison.Ordinal);
        }

        foreach (var nice in new[] { "-21", "20", "high" })
        {
            var badNice = HoconDefaults.Load(overrides: "actortracing.node.gc-thread-nice = " + nice);
            Assert.Contains("actortracing.node.gc-thread-nice", Assert.Throws<ConfigurationException>(() => NodeSettings.Create(badNice)).Message, StringComparison.Ordinal);
        }

        foreach (var threshold in new[] { "-1", "lots" })
        {
            var badThreshold = HoconDefaults.Load(overrides: "actortracing.node.memory-release-threshold = " + threshold);
            Assert.Contains("actortracing.node.memory-release-threshold", Assert.Throws<ConfigurationException>(() => NodeSettings.Create(badThreshold)).Message, StringComparison.Ordinal);
        }
        Assert.Equal(0, NodeSettings.Create(HoconDefaults.Load(overrides: "actortracing.node.memory-release-threshold = 0")).MemoryReleaseThreshold);

        foreach (var (key, value) in new[] { ("redeliver-after", "0s"), ("redeliver-after", "50ms"), ("max-unconfirmed-bytes", "0"), ("max-unconfirmed-bytes", "lots") })
        {
            var badRedelivery = HoconDefaults.Load(overrides: $"actortracing.node.redelivery.{key} = {value}");
            Assert.Contains("actortracing.node.redelivery." + key, Assert.Throws<ConfigurationException>(() => NodeSettings.Create(badRedelivery)).Message, StringComparison.Ordinal);
        }
        Assert.False(NodeSettings.Create(HoconDefaults.Load(overrides: "actortracing.node.redelivery.enabled = off")).RedeliveryEnabled);

        var bad = HoconDefaults.Load(overrides: "actortracing.node.port = 70000");
        Assert.Contains("actortracing.node.port", Assert.Throws<ConfigurationException>(() => NodeSettings.Create(bad)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_operator_file_overrides_the_defaults_and_a_missing_file_is_named()
    {
        var path = Path.Combine(Path.GetTempPath(), $"at-{Guid.NewGuid():N}.conf");
        File.WriteAllText(path, "actortracing.node.region = sfo");
        try
        {
            Assert.Equal("sfo", NodeSettings.Create(HoconDefaults.Load(configFile: path)).Region);
        }
        finally
        {
            File.Delete(path);
        }
        Assert.Contains("nope.conf", Assert.Throws<FileNotFoundException>(() => HoconDefaults.Load(configFile: "nope.conf")).Message, StringComparison.Ordinal);
    }

    // Walks up from this source file, not the binary: test binaries may be built outside the tree.
    [Fact]
    public void The_container_configuration_loads_over_the_defaults()
    {
        var repo = Directory.GetParent(FindHoconDirectory())!.FullName;
        var config = HoconDefaults.Load(configFile: Path.Combine(repo, "docker", "node.conf"));
        Assert.Equal("0.0.0.0:4317", IngestSettings.Create(config).GrpcEndpoint);
        Assert.Equal("/data/chdb", StorageSettings.Create(config).DataDirectory);
        Assert.NotNull(NodeSettings.Create(config));
    }

    internal static string FindHoconDirectory([System.Runtime.CompilerServices.CallerFilePath] string sourceFile = "")
    {
        for (var dir = new DirectoryInfo(Path.GetDirectoryName(sourceFile)!); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "hocon");
            if (Directory.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "ActorTracing.sln")))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException("hocon/ not found above " + sourceFile);
    }
}
