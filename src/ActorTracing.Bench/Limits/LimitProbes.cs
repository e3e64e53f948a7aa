using System.Diagnostics;
using System.Globalization;
using ActorTracing.Domain;
using ActorTracing.Domain.Otlp;
using ActorTracing.Storage;
using Akka.Actor;

namespace ActorTracing.Bench;

/// <summary>
/// Measures <see cref="PhysicalLimits"/>: decode-only, row encode, raw RowBinary insert into the
/// target's storage (<see cref="IRawInsertSink"/>), and the local Akka tell rate. Run before a node starts so they do not compete
/// with it; each runs for at least its time budget so JIT tiering settles.
/// </summary>
public static class LimitProbes
{
    public static async Task<PhysicalLimits> MeasureAsync(PayloadSet payloads, IRawInsertSink sink, TimeSpan budget, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payloads);
        ArgumentNullException.ThrowIfNull(sink);
        var decode = DecodeRate(payloads, budget);
        var (encode, batches) = EncodeRate(payloads, budget);
        // The encode rate is the embedded layout's; a server shard takes the 18.16 layout, encoded
        // again outside the timing.
        var insertBatches = sink.Flavor == SchemaFlavor.Modern ? batches : Encode(payloads, sink.Flavor);
        var (insert, bytesPerRow) = await InsertRateAsync(sink, insertBatches, budget, cancellationToken).ConfigureAwait(false);
        var tells = await TellRateAsync(budget, cancellationToken).ConfigureAwait(false);
        return new PhysicalLimits(
            Math.Round(decode),
            Math.Round(insert),
            batches.Count == 0 ? 0 : batches[0].Rows,
            Math.Round(encode),
            Math.Round(tells),
            Math.Round((double)payloads.Bytes / payloads.Spans, 1),
            Math.Round(bytesPerRow, 1),
            payloads.Spans,
            sink.Name);
    }

    /// <summary>
    /// Decodes every request repeatedly for <paramref name="budget"/>; spans per second. The
    /// span objects are given back after each request, as a node's trace shards give them back
    /// once buffered, so this is the decoding the node does and not more allocation than it has.
    /// </summary>
    public static double DecodeRate(PayloadSet payloads, TimeSpan budget)
    {
        ArgumentNullException.ThrowIfNull(payloads);
        long spans = 0;
        var sw = Stopwatch.StartNew();
        do
        {
            foreach (var request in payloads.Requests)
            {
                // As the receivers decode.
                var decoded = OtlpTraceDecoder.DecodeTransient(request, "local");
                spans += decoded.AcceptedSpans;
                foreach (var trace in decoded.Traces)
                {
                    SpanRecycler.Shared.Return(trace.Spans);
                }
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
    public static async Task<(double RowsPerSecond, double BytesPerRow)> InsertRateAsync(IRawInsertSink sink, IReadOnlyList<(byte[] Bytes, int Rows)> batches, TimeSpan budget, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(batches);
        if (batches.Count == 0)
        {
            return (0, 0);
        }
        await sink.CreateAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            long rows = 0;
            var sw = Stopwatch.StartNew();
            foreach (var (bytes, n) in batches)
            {
                await sink.InsertAsync(bytes, n, cancellationToken).ConfigureAwait(false);
                rows += n;
            }
            var onceElapsed = sw.Elapsed;
            var onceRows = rows;
            var bytesPerRow = (double)await sink.MergedBytesAsync(cancellationToken).ConfigureAwait(false) / onceRows;
            // Keep inserting (duplicates do not change the insert cost) until the budget is used, so
            // one slow first insert does not decide the figure.
            var more = Stopwatch.StartNew();
            long moreRows = 0;
            while (onceElapsed + more.Elapsed < budget)
            {
                foreach (var (bytes, n) in batches)
                {
                    await sink.InsertAsync(bytes, n, cancellationToken).ConfigureAwait(false);
                    moreRows += n;
                }
            }
            return ((onceRows + moreRows) / (onceElapsed + more.Elapsed).TotalSeconds, bytesPerRow);
        }
        finally
        {
            await sink.DropAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>The payloads' spans as RowBinary batches of the storage default size, in <paramref name="flavor"/>.</summary>
    public static IReadOnlyList<(byte[] Bytes, int Rows)> Encode(PayloadSet payloads, SchemaFlavor flavor)
    {
        ArgumentNullException.ThrowIfNull(payloads);
        var spans = payloads.AllSpans().ToArray();
        var encoder = new SpanRowEncoder(flavor: flavor);
        var batches = new List<(byte[], int)>();
        for (var start = 0; start < spans.Length; start += StorageSettings.DefaultBatchSize)
        {
            encoder.Reset();
            for (var i = start; i < Math.Min(spans.Length, start + StorageSettings.DefaultBatchSize); i++)
            {
                var (span, resource, scope, region) = spans[i];
                encoder.Append(span, resource, scope, region, "rules/errors", 1);
            }
            batches.Add((encoder.Written.ToArray(), encoder.Rows));
        }
        return batches;
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
