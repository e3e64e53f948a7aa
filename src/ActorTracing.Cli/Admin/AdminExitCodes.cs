namespace ActorTracing.Cli.Admin;

/// <summary>
/// Exit codes of `actortracing &lt;host:port&gt; ...`, stable for scripts:
/// 0 ok · 1 the command failed or answered partially (e.g. shard-stats with silent members,
/// unknown member, a confirmation answered "no") · 2 bad arguments (also: a destructive command
/// without --yes when stdin is not a terminal) · 3 the node is unreachable or did not answer in
/// time · 4 unauthorized (missing or wrong token).
/// </summary>
public static class AdminExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadArguments = 2;
    public const int Unreachable = 3;
    public const int Unauthorized = 4;
}
