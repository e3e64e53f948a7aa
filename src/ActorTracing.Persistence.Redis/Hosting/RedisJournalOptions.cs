using System.Text;
using Akka.Configuration;
using Akka.Persistence.Hosting;

namespace ActorTracing.Persistence.Redis;

/// <summary>The journal half of <see cref="RedisPersistenceOptions"/> for Akka.Persistence.Hosting.</summary>
internal sealed class RedisJournalOptions : JournalOptions
{
    private readonly RedisPersistenceOptions _options;

    public RedisJournalOptions(RedisPersistenceOptions options, bool isDefaultPlugin)
        : base(isDefaultPlugin)
    {
        _options = options;
        Identifier = options.JournalIdentifier;
    }

    public override string Identifier { get; set; }

    protected override Config InternalDefaultConfig =>
        RedisPersistence.DefaultConfig().GetConfig(RedisPersistence.JournalConfigPath);

    protected override StringBuilder Build(StringBuilder sb)
    {
        RedisHocon.AppendPluginKeys(sb, _options);
        return base.Build(sb);
    }
}
