namespace ActorTracing.Bench;

/// <summary>
/// Holds the searched maximum for as long as a latency run before the latency runs take fractions
/// of it. At the limit of a small machine a search step (20 s) can keep up where a longer run does
/// not (merges and flushes catch up later): a full run accepted 288k on its step, then fell behind
/// at 80 % of it for 30 s (p99 1.8 s), so its "80 %" was overload. A maximum that does not hold is
/// stepped down and held again, a bounded number of times; pure over the probe, like the search.
/// </summary>
public sealed class MaxConfirmation(double stepDown, int retries)
{
    /// <param name="probe">Runs the load at a rate for the confirmation's duration; true when it kept up.</param>
    /// <returns>
    /// The rate the latency runs use, whether it held (when none did, it is the next rate down,
    /// never probed: a figure to run the latency at, not a measured maximum), and what happened.
    /// </returns>
    public async Task<(double Rate, bool Held, string Outcome)> RunAsync(double max, Func<double, CancellationToken, Task<bool>> probe, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(probe);
        var rate = max;
        for (var attempt = 0; attempt <= retries; attempt++)
        {
            if (await probe(rate, cancellationToken).ConfigureAwait(false))
            {
                return (rate, true, rate == max
                    ? FormattableString.Invariant($"held {rate:N0} spans/s for a latency run's length")
                    : FormattableString.Invariant($"{max:N0} spans/s did not hold for a latency run's length; {rate:N0} did"));
            }
            rate = Math.Round(rate * (1 - stepDown));
        }
        return (rate, false, FormattableString.Invariant($"{max:N0} spans/s did not hold for a latency run's length, nor {retries} lower rates; latency runs use {rate:N0}"));
    }
}
