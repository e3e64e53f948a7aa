using System.Globalization;
using System.Text;

namespace ActorTracing.Bench;

/// <summary>
/// Renders a <see cref="BenchReport"/> as report.md: targets first (met / not met), then each
/// scenario with its physical-limit ratio beside the figure, then the search steps and notes.
/// </summary>
public static class MarkdownReport
{
    public static string Render(BenchReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var md = new StringBuilder();
        md.AppendLine(F($"# ActorTracing benchmark ({report.Mode})"));
        md.AppendLine();
        md.AppendLine(F($"{report.StartedUtc:yyyy-MM-dd HH:mm} UTC · {report.Cores} cores · {report.Machine} · {report.Runtime} · {report.ElapsedSeconds:0} s"));
        md.AppendLine();
        RenderTarget(md, report.Target);
        md.AppendLine("## Targets");
        md.AppendLine();
        md.AppendLine("| Target | Goal | Measured | Met |");
        md.AppendLine("| --- | --- | --- | --- |");
        foreach (var t in report.Targets)
        {
            var met = t.Met switch { true => "met", false => "**not met**", null => "not measured" };
            md.AppendLine(F($"| {t.Name} | {t.Target} | {t.Measured}{(t.Note.Length > 0 ? " — " + t.Note : string.Empty)} | {met} |"));
        }
        md.AppendLine();

        if (report.Limits is { } l)
        {
            md.AppendLine("## Physical limits (same run, same payloads)");
            md.AppendLine();
            md.AppendLine("| Stage alone | Rate |");
            md.AppendLine("| --- | --- |");
            md.AppendLine(F($"| OTLP decode only (OtlpTraceDecoder, 1 thread) | {l.DecodeSpansPerSecond:N0} spans/s |"));
            md.AppendLine(F($"| Row encode only (SpanRowEncoder, 1 thread) | {l.EncodeRowsPerSecond:N0} rows/s |"));
            md.AppendLine(F($"| Raw RowBinary insert into {l.InsertInto} (batches of {l.InsertBatchRows:N0}) | {l.InsertRowsPerSecond:N0} rows/s |"));
            md.AppendLine(F($"| Local Akka tell, actor → actor | {l.TellsPerSecond:N0} msgs/s |"));
            md.AppendLine(F($"| OTLP bytes per span of the payloads | {l.PayloadBytesPerSpan:0.#} B |"));
            md.AppendLine(F($"| Raw insert, bytes on disk per row (merged) | {l.RawInsertBytesPerRow:0.#} B |"));
            md.AppendLine();
        }

        if (report.Throughput is { } tp)
        {
            md.AppendLine(F($"## 1. Max sustained end-to-end throughput ({tp.Protocol})"));
            md.AppendLine();
            md.AppendLine(F($"**{tp.MaxSustainedSpansPerSecond:N0} spans/s** offered and sustained (first failing: {(tp.FirstFailingSpansPerSecond is { } ff ? ff.ToString("N0", CultureInfo.InvariantCulture) : "none")}; search stopped: {tp.StoppedBecause})."));
            md.AppendLine();
            if (tp.AtMax is { } m)
            {
                // A cluster's CPU, RSS and GC figures add up its node processes (see the target above).
                var node = report.Target.IsCluster ? F($"nodes (sum of {report.Target.Nodes.Count})") : "node";
                md.AppendLine("| At max | Value | Ratio to limit |");
                md.AppendLine("| --- | --- | --- |");
                md.AppendLine(F($"| accepted | {m.AcceptedSpansPerSecond:N0} spans/s | {Ratio(m.AcceptedSpansPerSecond, report.Limits?.DecodeSpansPerSecond)} of decode-only |"));
                md.AppendLine(F($"| decided (steady state) | {m.DecidedSpansPerSecond:N0} spans/s | {Ratio(m.DecidedSpansPerSecond, report.Limits?.DecodeSpansPerSecond)} of decode-only |"));
                md.AppendLine(F($"| stored (rows counted) | {m.StoredSpansPerSecond:N0} rows/s ({m.StoredRows:N0} of {m.KeptSpans:N0} kept) | {Ratio(m.StoredSpansPerSecond, report.Limits?.InsertRowsPerSecond)} of raw insert |"));
                md.AppendLine(F($"| {node} CPU | {m.NodeCpuPercent:0}% of one core | machine busy {m.MachineBusyPercent:0}% (all cores) |"));
                if (m.EngineMergeCpuPercent > 0)
                {
                    md.AppendLine(F($"| of it, the embedded engine's merges | {m.EngineMergeCpuPercent:0}% of one core | |"));
                }
                // CPU per span puts the whole pipeline on the same scale as the decode-only limit.
                if (m.AcceptedSpansPerSecond > 0 && report.Limits is { DecodeSpansPerSecond: > 0 } lim)
                {
                    var perSpan = m.NodeCpuPercent / 100 / m.AcceptedSpansPerSecond * 1e6;
                    var decodePerSpan = 1e6 / lim.DecodeSpansPerSecond;
                    md.AppendLine(F($"| {node} CPU per span | {perSpan:0.0} µs | {perSpan / decodePerSpan:0}x decode-only ({decodePerSpan:0.00} µs) |"));
                }
                md.AppendLine(F($"| generator CPU (own process) | {m.GeneratorCpuPercent:0}% of one core | |"));
                md.AppendLine(F($"| {node} peak RSS | {Mb(m.NodePeakRssBytes)} | |"));
                md.AppendLine(F($"| {(report.Target.IsCluster ? "mean node's" : "node")} GC pauses | {m.GcPausePercent:0.#}% of wall time | |"));
                md.AppendLine(F($"| ack latency p50 / p99 / max | {Ms(m.AckLatency.P50)} / {Ms(m.AckLatency.P99)} / {Ms(m.AckLatency.Max)} | |"));
                md.AppendLine();
            }
            md.AppendLine("| Step | Offered spans/s | Accepted/s | Decided/s | Stored rows/s | Ack p99 | Throttled | Node CPU | GC pause | Gen CPU | Machine busy | Verdict |");
            md.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
            foreach (var s in tp.Steps)
            {
                var m2 = s.Measurement;
                var verdict = s.Sustained ? "kept up" : "fell behind: " + string.Join("; ", s.Reasons);
                md.AppendLine(m2 is null
                    ? F($"| {s.Index + 1} | {s.OfferedSpansPerSecond:N0} | | | | | | | | | | {verdict} |")
                    : F($"| {s.Index + 1} | {s.OfferedSpansPerSecond:N0} | {m2.AcceptedSpansPerSecond:N0} | {m2.DecidedSpansPerSecond:N0} | {m2.StoredSpansPerSecond:N0} | {Ms(m2.AckLatency.P99)} | {m2.Throttled:N0} | {NodeCpu(m2.NodeCpuPercent, m2.EngineMergeCpuPercent)} | {m2.GcPausePercent:0.#}% | {m2.GeneratorCpuPercent:0}% | {m2.MachineBusyPercent:0}% | {verdict} |"));
            }
            md.AppendLine();
        }

        if (report.Latency.Count > 0)
        {
            md.AppendLine("## 2. Ack latency vs load (from each request's intended send time)");
            md.AppendLine();
            md.AppendLine("| Protocol | Load | Offered spans/s | Achieved/s | p50 | p95 | p99 | max | Throttled | Node CPU | GC pause | Gen CPU |");
            md.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
            foreach (var p in report.Latency)
            {
                md.AppendLine(F($"| {p.Protocol} | {p.LoadFraction:P0} | {p.OfferedSpansPerSecond:N0} | {p.AchievedSpansPerSecond:N0} | {Ms(p.AckLatency.P50)} | {Ms(p.AckLatency.P95)} | {Ms(p.AckLatency.P99)} | {Ms(p.AckLatency.Max)} | {p.Throttled:N0} | {NodeCpu(p.NodeCpuPercent, p.EngineMergeCpuPercent)} | {p.GcPausePercent:0.#}% | {p.GeneratorCpuPercent:0}% |"));
            }
            md.AppendLine();
            foreach (var p in report.Latency)
            {
                if (p.NodeAnswered is { } answered)
                {
                    md.AppendLine(F($"- the node's receiver at {p.LoadFraction:P0} ({p.Protocol}) answered {answered.Describe()}, against an ack p99 of {Ms(p.AckLatency.P99)}: the rest waited outside its handler (in the socket during a GC pause, for a thread, in the generator)"));
                }
                if (p.GcPauses is { } node)
                {
                    md.AppendLine(F($"- node GC pauses at {p.LoadFraction:P0} ({p.Protocol}): {node.Describe()}"));
                }
                if (p.GeneratorGcPauses is { } generator)
                {
                    md.AppendLine(F($"- generator GC pauses at {p.LoadFraction:P0} ({p.Protocol}): {generator.Describe()}"));
                }
                if (p.Stalls is { } stalls)
                {
                    md.AppendLine(F($"- at or above the ack p99 at {p.LoadFraction:P0} ({p.Protocol}), {stalls.Describe()}"));
                }
            }
            md.AppendLine();
            md.AppendLine("![latency](latency.svg)");
            md.AppendLine();
        }

        if (report.Memory is { } mem)
        {
            md.AppendLine("## 3. Memory per buffered span");
            md.AppendLine();
            md.AppendLine(F($"{mem.BufferedSpans:N0} spans in {mem.BufferedTraces:N0} open traces (send-delay and trace-timeout set long so nothing is decided). Per span: the growth from the node after its warm-up ({mem.WarmUpSpans:N0} spans held; a fresh process pays for JIT, pools and thread stacks once) over the {mem.BufferedSpans - mem.WarmUpSpans:N0} spans added."));
            md.AppendLine();
            md.AppendLine("| Measure | After warm-up | Loaded | Per buffered span | Ratio to held span bytes |");
            md.AppendLine("| --- | --- | --- | --- | --- |");
            md.AppendLine(F($"| GC heap (after full GC) | {Mb(mem.BaselineGcHeapBytes)} | {Mb(mem.LoadedGcHeapBytes)} | {mem.GcHeapBytesPerSpan:N0} B | {Ratio(mem.GcHeapBytesPerSpan, mem.RawBytesPerSpan, "x")} |"));
            md.AppendLine(mem.RssBytesPerSpan > 0
                ? F($"| RSS | {Mb(mem.BaselineRssBytes)} | {Mb(mem.LoadedRssBytes)} | {mem.RssBytesPerSpan:N0} B | {Ratio(mem.RssBytesPerSpan, mem.RawBytesPerSpan, "x")} |")
                : F($"| RSS | {Mb(mem.BaselineRssBytes)} | {Mb(mem.LoadedRssBytes)} | not attributable (harness in the same process; memory returned between samples) | |"));
            md.AppendLine(F($"| span bytes as held, compacted OTLP (floor) | | | {mem.RawBytesPerSpan:N0} B | 1x |"));
            md.AppendLine();
            md.AppendLine("![memory](memory.svg)");
            md.AppendLine();
        }

        if (report.Memory is null && report.Skipped.FirstOrDefault(x => x.Scenario == SkippedScenario.Memory) is { } memSkipped)
        {
            md.AppendLine("## 3. Memory per buffered span");
            md.AppendLine();
            md.AppendLine("Not applicable to this target: " + memSkipped.Reason);
            md.AppendLine();
        }

        if (report.Decision is { } d)
        {
            md.AppendLine("## 4. Decision and stitching latency");
            md.AppendLine();
            md.AppendLine(F($"send-delay {d.SendDelayMs:N0} ms. Node gauge (LastArrival → DecidedAt, mean over {d.GaugeWindowDecidedTraces:N0} traces of the sampling run): **{d.GaugeMeanDecisionMs:N0} ms**."));
            md.AppendLine();
            md.AppendLine("Probes (error traces, always kept), timed from the ack of the trace's last span until all its rows are counted in storage (includes the storage flush):");
            md.AppendLine();
            md.AppendLine("| Probe | Traces | Never queryable | p50 | p95 | p99 | max |");
            md.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
            md.AppendLine(F($"| single region | {d.SingleRegionProbes} | {d.SingleRegionNeverQueryable} | {Ms(d.SingleRegionQueryable.P50)} | {Ms(d.SingleRegionQueryable.P95)} | {Ms(d.SingleRegionQueryable.P99)} | {Ms(d.SingleRegionQueryable.Max)} |"));
            md.AppendLine(F($"| cross-region (2nd half {d.CrossRegionDelayMs:N0} ms later, skew {d.CrossRegionSkewMs:N0} ms; {d.CrossRegionEndpoints}) | {d.CrossRegionProbes} | {d.CrossRegionNeverQueryable} | {Ms(d.CrossRegionQueryable.P50)} | {Ms(d.CrossRegionQueryable.P95)} | {Ms(d.CrossRegionQueryable.P99)} | {Ms(d.CrossRegionQueryable.Max)} |"));
            md.AppendLine();
        }

        if (report.Sampling is { } sm)
        {
            md.AppendLine("## 5. Sampling outcome (ground truth vs rows in storage)");
            md.AppendLine();
            md.AppendLine("| Measure | Value |");
            md.AppendLine("| --- | --- |");
            md.AppendLine(F($"| traces / spans generated | {sm.Traces:N0} / {sm.SpansGenerated:N0} ({sm.SpansSent:N0} acknowledged) |"));
            md.AppendLine(F($"| spans stored | {sm.SpansStored:N0} = {sm.StoredFraction:P2} of sent ({1 - sm.StoredFraction:P1} fewer) |"));
            md.AppendLine(F($"| error traces kept | {sm.ErrorTracesKept:N0} of {sm.ErrorTraces:N0} |"));
            md.AppendLine(F($"| slow traces kept | {sm.SlowTracesKept:N0} of {sm.SlowTraces:N0} |"));
            md.AppendLine(F($"| kept traces complete | {sm.CompleteKeptTraces:N0} of {sm.KeptTraces:N0} |"));
            md.AppendLine(F($"| duplicate rows | {sm.DuplicateRows:N0} |"));
            md.AppendLine(F($"| kept traces by category | {string.Join(", ", sm.KeptTracesByCategory.Select(kv => kv.Key + " " + kv.Value.ToString("N0", CultureInfo.InvariantCulture)))} |"));
            if (!sm.Drained)
            {
                md.AppendLine("| note | the node had not decided every trace when counted |");
            }
            md.AppendLine();
        }

        if (report.Storage is { } st)
        {
            md.AppendLine(F($"## 6. Storage ({st.Engine}, merged)"));
            md.AppendLine();
            md.AppendLine(F($"{st.Rows:N0} rows, {st.BytesOnDisk:N0} bytes on disk = **{st.BytesPerRow:0.#} B per stored span** in the span table; compression {st.CompressionRatio:0.0}x ({st.UncompressedBytes:N0} → {st.CompressedBytes:N0} B)."));
            if (st.CompanionBytesOnDisk > 0)
            {
                md.AppendLine();
                md.AppendLine(F($"With every other table of the database — the per-trace summaries; the trace-id lookup is a view, no bytes ({st.CompanionBytesOnDisk:N0} B): **{st.AllBytesPerRow:0.#} B per stored span** — the figure the target is judged on."));
            }
            if (report.Limits is { RawInsertBytesPerRow: > 0 } lim)
            {
                md.AppendLine(F($" Raw insert of the generator's spans (every span, unsampled): {lim.RawInsertBytesPerRow:0.#} B per row."));
            }
            md.AppendLine();
        }

        md.AppendLine("![throughput over time](throughput.svg)");
        md.AppendLine();
        if (report.Skipped.Count > 0)
        {
            md.AppendLine("## Not applicable");
            md.AppendLine();
            foreach (var x in report.Skipped)
            {
                md.AppendLine(F($"- {x.Scenario}: {x.Reason}"));
            }
            md.AppendLine();
        }
        if (report.Notes.Count > 0)
        {
            md.AppendLine("## Notes");
            md.AppendLine();
            foreach (var n in report.Notes)
            {
                md.AppendLine("- " + n);
            }
        }
        return md.ToString();
    }

    /// <summary>Which system the figures are of: the embedded node, or a cluster with its nodes and regions.</summary>
    private static void RenderTarget(StringBuilder md, BenchTarget target)
    {
        md.AppendLine(F($"**Target: {target.Description}.**"));
        md.AppendLine();
        md.AppendLine(F($"Storage: {target.Storage}. Load: {target.LoadRouting}."));
        md.AppendLine();
        if (target.DecisionStore is { } store)
        {
            md.AppendLine(F($"Redis: {store.Describe()}."));
            md.AppendLine();
        }
        if (!target.IsCluster)
        {
            return;
        }
        md.AppendLine("Node figures (CPU, RSS, GC heap) below are summed over the node processes; GC pause is the mean node's. Per node over the run:");
        md.AppendLine();
        md.AppendLine("| Node | Region | Roles | PID | CPU used | Peak RSS | Spans received | Rows written | GC pauses | Unconfirmed messages (peak) / sent again |");
        md.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var n in target.Nodes)
        {
            md.AppendLine(F($"| {n.Name} | {n.Region} | {string.Join(",", n.Roles)} | {n.Pid} | {n.CpuSeconds:0.0} s | {Mb(n.PeakRssBytes)} | {n.SpansReceived:N0} | {n.RowsWritten:N0} | {n.GcPauseSeconds:0.00} s | {n.PeakUnconfirmed:N0} / {n.Redelivered:N0} |"));
        }
        md.AppendLine();
    }

    /// <summary>The node's CPU, with what the embedded engine's merges took of it when known.</summary>
    internal static string NodeCpu(double nodePercent, double mergePercent) => mergePercent > 0
        ? F($"{nodePercent:0}% (merges {mergePercent:0}%)")
        : F($"{nodePercent:0}%");

    /// <summary>"42%" of a limit, or "n/a" without one.</summary>
    public static string Ratio(double value, double? limit, string unit = "%")
    {
        if (limit is not { } l || l <= 0 || !double.IsFinite(value))
        {
            return "n/a";
        }
        return unit == "%" ? F($"{100 * value / l:0.#}%") : F($"{value / l:0.#}{unit}");
    }

    public static string Ms(long micros) => micros >= 10_000 ? F($"{micros / 1000.0:N0} ms") : F($"{micros / 1000.0:0.00} ms");

    public static string Mb(long bytes) => F($"{bytes / 1048576.0:N1} MiB");

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
