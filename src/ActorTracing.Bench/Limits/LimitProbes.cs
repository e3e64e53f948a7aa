using System.Diagnostics;
using System.Globalization;
using ActorTracing.Domain.Otlp;
using ActorTracing.Storage;
using Akka.Actor;

namespace ActorTracing.Bench;

/// <summary>
/// Measures <see cref="PhysicalLimits"/>: decode-only, row encode, raw RowBinary insert into the
/// embedded engine, and the local Akka tell rate. Run before a node starts so they do not compete
/// with it; each runs for at least its time budget so JIT tiering settles.
/// </summary>
public static class LimitProbes
{
    public static async Task<PhysicalLimits> MeasureAsync(PayloadSet payloads, ChdbEngine engine, string scratchDatabase, TimeSpan budget, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payloads);
        ArgumentNullException.ThrowIfNull(engine);
        var decode = DecodeRate(payloads, budget);
        var (encode, batches) = EncodeRate(payloads, budget);
        var (insert, bytesPerRow) = InsertRate(engine, scratchDatabase, batches, budget);
        var tells = await TellRateAsync(budget, cancellationToken).ConfigureAwait(false);
        return new PhysicalLimits(
            Math.Round(decode),
            Math.Round(insert),
            batches.Count == 0 ? 0 : batches[0].Rows,
            Math.Round(encode),
            Math.Round(tells),
            Math.Round((double)payloads.Bytes / payloads.Spans, 1),
            Math.Round(bytesPerRow, 1),
            payloads.Spans);
    }

    /// <summary>Decodes every request repeatedly for <paramref name="budget"/>; spans per second.</summary>
    public static double DecodeRate(PayloadSet payloads, TimeSpan budget)
    {
        ArgumentNullException.ThrowIfNull(payloads);
        long spans = 0;
        var sw = Stopwatch.StartNew();
        do
        {
            foreach (var request in payloads.Requests)
            {
                spans += OtlpTraceDecoder.Decode(request, "local").AcceptedSpans;
            }
        }
        while (sw.Elapsed < budget);
        return spans / sw.Elapsed.TotalSeconds;
    }

    /// <summary>Encodes the spans to RowBinary batches of the storage default size; rows per second and the batches.</summary>
    public static (double RowsPerSecond, IReadOnlyList<(byte[] Bytes, int Rows)> Batches) EncodeRate(PayloadSet payloads, TimeSpan budget)
    {
        ArgumentNullException.ThrowIfNull(payloads);
        var spans = payloads.AllSpans().ToArray();
        var batchRows = StorageSettings.DefaultBatchSize;
        var encoder = new SpanRowEncoder();
        var batches = new List<(byte[], int)>();
        long rows = 0;
        var sw = Stopwatch.StartNew();
        var first = true;
        do
        {
            for (var start = 0; start < spans.Length; start += batchRows)
            {
                encoder.Reset();
                var end = Math.Min(spans.Length, start + batchRows);
                for (var i = start; i < end; i++)
                {
                    var (span, resource, scope, region) = spans[i];
                    encoder.Append(span, resource, scope, region, "rules/errors", 1);
                }
                rows += encoder.Rows;
                if (first)
                {
                    batches.Add((encoder.Written.ToArray(), encoder.Rows));
                }
            }
            first = false;
        }
        while (sw.Elapsed < budget);
        return (rows / sw.Elapsed.TotalSeconds, batches);
    }

    /// <summary>
    /// Streams the batches into a scratch database with the node's schema; rows per second, and the
    /// bytes on disk per row of one copy of the rows (merged, as storage would be at rest).
    /// </summary>
    public static (double RowsPerSecond, double BytesPerRow) InsertRate(ChdbEngine engine, string database, IReadOnlyList<(byte[] Bytes, int Rows)> batches, TimeSpan budget)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(batches);
        if (batches.Count == 0)
        {
            return (0, 0);
        }
        var schema = new TraceSchema(database, 0);
        schema.Apply(engine);
        var insert = schema.InsertSql;
        long rows = 0;
        var sw = Stopwatch.StartNew();
        foreach (var (bytes, n) in batches)
        {
            engine.StreamInsert(insert, "RowBinary", bytes);
            rows += n;
        }
        var onceElapsed = sw.Elapsed;
        var onceRows = rows;
        engine.Execute($"OPTIMIZE TABLE {schema.QualifiedTracesTable} FINAL");
        var disk = engine.Query(
            "SELECT sum(bytes_on_disk) FROM system.parts " +
            $"WHERE active AND database = '{database}' AND table = '{TraceSchema.TracesTable}'").Trim();
        var bytesPerRow = double.Parse(disk, CultureInfo.InvariantCulture) / onceRows;
        // Keep inserting (duplicates do not change the insert cost) until the budget is used, so
        // one slow first insert does not decide the figure.
        var more = Stopwatch.StartNew();
        long moreRows = 0;
        while (onceElapsed + more.Elapsed < budget)
        {
            foreach (var (bytes, n) in batches)
            {
                engine.StreamInsert(insert, "RowBinary", bytes);
                moreRows += n;
            }
        }
        var rate = (onceRows + moreRows) / (onceElapsed + more.Elapsed).TotalSeconds;
        engine.Execute($"DROP DATABASE IF EXISTS {database} SYNC");
        return (rate, bytesPerRow);
    }

    /// <summary>One actor tells another as fast as it can; messages the receiver handled per second.</summary>
    public static async Task<double> TellRateAsync(TimeSpan budget, CancellationToken cancellationToken)
    {
        using var system = ActorSystem.Create("bench-limits", "akka.loglevel = WARNING\nakka.stdout-loglevel = WARNING");
        try
        {
            var receiver = system.ActorOf(Props.Create(() => new CountingActor()), "receiver");
            var sender = system.ActorOf(Props.Create(() => new FloodingActor()), "sender");
            // Warm-up round, then rounds of a fixed size until the budget is used.
            const int round = 1_000_000;
            await RoundAsync(sender, receiver, 200_000, cancellationToken).ConfigureAwait(false);
            long messages = 0;
            var sw = Stopwatch.StartNew();
            do
            {
                await RoundAsync(sender, receiver, round, cancellationToken).ConfigureAwait(false);
                messages += round;
            }
            while (sw.Elapsed < budget);
            return messages / sw.Elapsed.TotalSeconds;
        }
        finally
        {
            await system.Terminate().ConfigureAwait(false);
        }
    }

    private static Task RoundAsync(IActorRef sender, IActorRef receiver, int count, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        receiver.Tell(new Expect(count, done));
        sender.Tell(new Flood(count, receiver));
        return done.Task.WaitAsync(cancellationToken);
    }

    private sealed record Expect(int Count, TaskCompletionSource Done);

    private sealed record Flood(int Count, IActorRef Target);

    private sealed class Ping
    {
        public static readonly Ping Instance = new();
    }

    private sealed class CountingActor : UntypedActor
    {
        private int _remaining;
        private TaskCompletionSource? _done;

        protected override void OnReceive(object message)
        {
            if (message is Expect expect)
            {
                _remaining = expect.Count;
                _done = expect.Done;
            }
            else if (--_remaining == 0)
            {
                _done?.TrySetResult();
            }
        }
    }

    private sealed class FloodingActor : UntypedActor
    {
        protected override void OnReceive(object message)
        {
            if (message is Flood flood)
            {
                for (var i = 0; i < flood.Count; i++)
                {
                    flood.Target.Tell(Ping.Instance, Self);
                }
            }
        }
    }
}
