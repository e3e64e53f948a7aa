namespace ActorTracing.Admin.Tests;

/// <summary>
/// Waits for a condition by re-checking it, with a deadline: cluster convergence and scrapes take
/// as long as they take, and a fixed sleep would be either flaky or slow. Between checks it yields
/// on a timer tick rather than sleeping a guessed duration.
/// </summary>
public static class Poll
{
    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what)
        => await UntilAsync(() => Task.FromResult(condition()), timeout, what);

    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        using var deadline = new CancellationTokenSource(timeout);
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        while (!await condition())
        {
            try
            {
                await tick.WaitForNextTickAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds}s waiting for {what}");
            }
        }
    }
}
