using System.Text;
using Akka.Configuration;
using Akka.Persistence.Hosting;

namespace ActorTracing.Persistence.Redis;

/// <summary>The snapshot store half of <see cref="RedisPersistenceOptions"/> for Akka.Persistence.Hosting.</summary>
internal sealed class RedisSnapshotOptions : SnapshotOptions
{
    private readonly RedisPersistenceOptions _options;

    public RedisSnapshotOptions(RedisPersistenceOptions options, bool isDefaultPlugin)
        : base(isDefaultPlugin)
    {
        _options = options;
        Identifier = options.SnapshotStoreIdentifier;
    }

    public override string Identifier { get; set; }

    protected override Config InternalDefaultConfig =>
        RedisPersistence.DefaultConfig().GetConfig(RedisPersistence.SnapshotStoreConfigPath);

    protected override StringBuilder Build(StringBuilder sb)
    {
        RedisHocon.AppendPluginKeys(sb, _options);
        return base.Build(sb);
    }
}
