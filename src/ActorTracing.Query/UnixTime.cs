namespace ActorTracing.Query;

/// <summary>Unix-nanosecond conversions shared by the API and its tests.</summary>
internal static class UnixTime
{
    public static long ToUnixNano(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;

    public static long NowUnixNano(TimeProvider clock) => ToUnixNano(clock.GetUtcNow());
}
