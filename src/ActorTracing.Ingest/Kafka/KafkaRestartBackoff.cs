namespace ActorTracing.Ingest;

/// <summary>
/// How long Kafka ingest waits before it starts a consumer again after one failed: min, 2×min,
/// 4×min ... capped at max, each ±25 % jittered and kept within [min, max]. Failures in a row grow
/// the wait; a consumer that ran at least max before failing was healthy, so the count starts
/// over. No clock or timer inside: the caller says how long the consumer ran, and tests fix the
/// random source.
/// </summary>
internal sealed class KafkaRestartBackoff
{
    private const double Jitter = 0.25;
    private readonly TimeSpan _min;
    private readonly TimeSpan _max;
    private readonly Func<double> _random;
    private int _failuresInARow;

    /// <param name="random">Uniform in [0, 1); <see cref="Random.Shared"/> when null.</param>
    public KafkaRestartBackoff(TimeSpan min, TimeSpan max, Func<double>? random = null)
    {
        _min = min;
        _max = max;
        _random = random ?? Random.Shared.NextDouble;
    }

    /// <summary>The wait before the next consumer, after one that ran <paramref name="ranFor"/> and failed.</summary>
    public TimeSpan Next(TimeSpan ranFor)
    {
        if (ranFor >= _max)
        {
            _failuresInARow = 0;
        }
        // The exponent is capped so the doubling cannot overflow; 2^30 × min exceeds any sane max.
        var doubled = _min.TotalMilliseconds * Math.Pow(2, Math.Min(_failuresInARow, 30));
        _failuresInARow++;
        var exponential = Math.Min(doubled, _max.TotalMilliseconds);
        // Nodes of a region fail together when their broker does; jitter keeps them from all
        // reconnecting in the same instant.
        var jittered = exponential * (1 - Jitter + (2 * Jitter * _random()));
        return TimeSpan.FromMilliseconds(Math.Clamp(jittered, _min.TotalMilliseconds, _max.TotalMilliseconds));
    }
}
