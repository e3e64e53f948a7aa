namespace ActorTracing.Integration.Tests;

/// <summary>
/// Polls a condition of a running node until it holds or a minute has passed. The node runs on
/// real time (real sockets, a real engine, a real broker), so there is no virtual clock to move.
/// </summary>
internal static class Eventually
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static Task Until(Func<bool> condition) => Until(() => Task.FromResult(condition()));

    public static async Task Until(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("condition not met within " + Timeout);
            }
            await Task.Delay(50);
        }
    }
}
