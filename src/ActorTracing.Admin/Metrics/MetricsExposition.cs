using ActorTracing.Ingest;
using ActorTracing.Protocol.Metrics;

namespace ActorTracing.Admin;

/// <summary>
/// /metrics: every family is read at scrape time from the counters the pipeline already keeps
/// (Interlocked fields), so metrics cost the hot path nothing. Hand-written rather than
/// prometheus-net: the counters exist already and would have to be mirrored or wrapped in
/// callbacks, and prometheus-net's default registry is process-wide, while several nodes share
/// one process in tests and in `demo`. A family whose source this node lacks is left out (Kafka
/// lag appears only on a node whose Kafka ingest runs and has partitions assigned, its age once the
/// broker has answered a lag query).
/// </summary>
internal sealed class MetricsExposition(AdminSources sources)
{
    public string Render()
    {
        var w = new PrometheusTextWriter();
        WriteIngest(w);
        WriteIngestLog(w);
        WriteKafka(w);
        WritePipeline(w);
        WriteDecisionLatency(w);
        WriteStorage(w);
        WriteCluster(w);
        WriteRedelivery(w);
        WriteRuntime(w);
        return w.ToString();
    }

    private void WriteRedelivery(PrometheusTextWriter w)
    {
        if (sources.Redelivery is not { } r)
        {
            return;
        }
        w.Single("actortracing_redelivery_unconfirmed_messages", "gauge", "Trace messages ingest sent to owners on other nodes that have not confirmed them yet (normally confirmed within trace.confirm-interval; growing while an owner is silent).", r.UnconfirmedMessages);
        w.Single("actortracing_redelivery_unconfirmed_bytes", "gauge", "Bytes of spans those messages hold; ingest refuses past redelivery.max-unconfirmed-bytes.", r.UnconfirmedBytes);
        w.Single("actortracing_redelivered_messages_total", "counter", "Trace messages sent again because their owner left the cluster before confirming them.", r.Redelivered);
        w.Single("actortracing_redelivery_given_up_total", "counter", "Trace messages forgotten unconfirmed after 24 x redeliver-after to an owner that never left (their spans may be lost).", r.GivenUp);
    }

    private void WriteIngestLog(PrometheusTextWriter w)
    {
        if (sources.IngestLog is not { } log)
        {
            return;
        }
        w.Single("actortracing_ingest_wal_bytes", "gauge", "Bytes of the OTLP write-ahead log's segments on disk; the receivers refuse with Retry-After past ingest.wal.max-size.", log.Bytes);
        w.Single("actortracing_ingest_wal_segments", "gauge", "Segment files of the OTLP write-ahead log (one takes appends; the others wait for their requests' decisions).", log.Segments);
        w.Single("actortracing_ingest_wal_unconfirmed_requests", "gauge", "Requests in the OTLP write-ahead log whose traces are not all decided (and, kept, written) yet: what a crash now would have submitted again at the next start.", log.Unconfirmed);
        w.Single("actortracing_ingest_wal_appended_requests_total", "counter", "Accepted OTLP requests written to the write-ahead log.", log.Appended);
        if (sources.IngestLogReplay is { } replay)
        {
            w.Single("actortracing_ingest_wal_replayed_requests_total", "counter", "Requests an earlier run accepted and never saw decided, submitted again since this start.", replay.Submitted);
            w.Single("actortracing_ingest_wal_replay_pending_requests", "gauge", "Requests of an earlier run not submitted again yet.", replay.Pending);
            w.Single("actortracing_ingest_wal_resubmitted_requests_total", "counter", "Requests of this run submitted again from the log because their wait was abandoned while the node ran (their shard moved as they were sent, or an owner never confirmed).", replay.Resubmitted);
            w.Single("actortracing_ingest_wal_replay_skipped_total", "counter", "Records of an earlier run that passed their checksum but did not decode: logged and skipped.", replay.Skipped);
        }
    }

    private void WriteIngest(PrometheusTextWriter w)
    {
        if (sources.Ingest is not { } c)
        {
            return;
        }
        w.Family("actortracing_ingest_requests_total", "counter", "OTLP export requests received, by protocol (grpc, http-protobuf, http-json).");
        foreach (var protocol in new[] { OtlpProtocols.Grpc, OtlpProtocols.HttpProtobuf, OtlpProtocols.HttpJson })
        {
            w.Sample("actortracing_ingest_requests_total", c.RequestsReceived(protocol), ("protocol", protocol));
        }
        w.Family("actortracing_ingest_spans_total", "counter", "Decoded spans by protocol and outcome: accepted into the pipeline, rejected_invalid (bad ids, partial success), rejected_overloaded (client told to retry).");
        foreach (var protocol in IngestCounters.Protocols)
        {
            foreach (var outcome in IngestCounters.SpanOutcomes)
            {
                w.Sample("actortracing_ingest_spans_total", c.Spans(protocol, outcome), ("protocol", protocol), ("outcome", outcome));
            }
        }
        w.Family("actortracing_ingest_rejected_requests_total", "counter", "Requests refused before their spans were decoded, by reason (malformed 400, oversize 413, unsupported 415, throttled 429, unavailable 503, failed 500).");
        w.Sample("actortracing_ingest_rejected_requests_total", c.RequestsRejectedMalformed, ("reason", "malformed"));
        w.Sample("actortracing_ingest_rejected_requests_total", c.RequestsRejectedOversize, ("reason", "oversize"));
        w.Sample("actortracing_ingest_rejected_requests_total", c.RequestsRejectedUnsupported, ("reason", "unsupported"));
        w.Sample("actortracing_ingest_rejected_requests_total", c.RequestsThrottled, ("reason", "throttled"));
        w.Sample("actortracing_ingest_rejected_requests_total", c.RequestsUnavailable, ("reason", "unavailable"));
        w.Sample("actortracing_ingest_rejected_requests_total", c.RequestsFailed, ("reason", "failed"));
        const string duration = "actortracing_ingest_request_duration_seconds";
        w.Family(duration, "histogram", "How long the receiver took to answer OTLP export requests, by protocol, from its handler's start to the answer. Time a request waited before the node read it (socket, GC pause) is not in it; compare with the clients' ack latency.");
        foreach (var protocol in IngestCounters.Protocols)
        {
            HistogramSamples(w, duration, c.RequestDuration(protocol), ("protocol", protocol));
        }
    }

    private void WriteKafka(PrometheusTextWriter w)
    {
        if (sources.Kafka is not { } k)
        {
            return;
        }
        w.Family("actortracing_kafka_records_total", "counter", "Kafka records by outcome: consumed, committed (after every trace in them was decided, or with commit-after = accepted after their spans were accepted), malformed (skipped and committed).");
        w.Sample("actortracing_kafka_records_total", k.RecordsConsumed, ("outcome", "consumed"));
        w.Sample("actortracing_kafka_records_total", k.RecordsCommitted, ("outcome", "committed"));
        w.Sample("actortracing_kafka_records_total", k.RecordsMalformed, ("outcome", "malformed"));
        w.Single("actortracing_kafka_retries_total", "counter", "Kafka records retried because the node refused them (backpressure), not skipped.", k.Retries);
        w.Single("actortracing_kafka_undecided_records", "gauge", "Kafka records accepted whose traces are not all decided yet: their offsets are committed only then (commit-after = decided), so a crash has them read again.", k.UndecidedRecords);
        w.Single("actortracing_kafka_decision_waits_abandoned_total", "counter", "Kafka records whose traces' decisions would not be heard (owners' confirmations given up on, or the node stopping): left uncommitted and read again.", k.DecisionWaitsAbandoned);
        w.Single("actortracing_kafka_consumer_restarts_total", "counter", "Kafka consumers replaced after their stream failed (consume or commit error, dropped from the group); the new one resumes from the committed offsets after a backoff.", k.ConsumerRestarts);
        w.Single("actortracing_kafka_lag_refresh_failures_total", "counter", "Periodic Kafka lag refreshes that failed (broker unreachable, query timed out or refused); actortracing_kafka_consumer_lag keeps its last figures meanwhile.", k.LagRefreshFailures);
        w.Family("actortracing_kafka_consumer_lag", "gauge", "Kafka consumer lag per partition: high watermark minus committed offset, in records.");
        foreach (var lag in k.Lag)
        {
            w.Sample("actortracing_kafka_consumer_lag", lag.Lag, ("topic", lag.Topic), ("partition", lag.Partition.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        if (k.LagAge is { } age)
        {
            w.Single("actortracing_kafka_lag_age_seconds", "gauge", "Seconds since the broker answered the lag query behind actortracing_kafka_consumer_lag; beyond the lag refresh interval it grows only while refreshes fail.", age.TotalSeconds);
        }
    }

    private void WritePipeline(PrometheusTextWriter w)
    {
        if (sources.Gauges is not { } g)
        {
            return;
        }
        w.Single("actortracing_spans_received_total", "counter", "Spans admitted to the trace actors (after ingest admission).", g.SpansReceived);
        w.Single("actortracing_duplicate_spans_total", "counter", "Spans not buffered because their open trace already held a span with the same id: a client's retry of a request that had arrived, or a Kafka record read again after a crash. The first copy is kept.", g.DuplicateSpans);
        w.Single("actortracing_buffered_traces", "gauge", "Traces open in trace actors on this node, not yet decided.", g.TracesBuffered);
        w.Single("actortracing_buffered_spans", "gauge", "Spans held in memory awaiting their trace's decision (queued in sharding included).", g.SpansBuffered);
        w.Single("actortracing_buffered_bytes", "gauge", "Bytes of buffered spans; ingest admission throttles on this.", g.BytesBuffered);
        w.Single("actortracing_buffer_span_slots", "gauge", "Span slots (~80 bytes each) the trace shards on this node hold, in use or free: what a burst made them grow, given back once the load has been lower for a trace.memory-trim-interval.", g.SpanSlotsHeld);
        w.Family("actortracing_decisions_total", "counter", "Traces decided, by decision (kept, dropped) and sampling reason.");
        foreach (var (reason, count) in g.KeptByReason.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            w.Sample("actortracing_decisions_total", count, ("decision", "kept"), ("reason", reason));
        }
        foreach (var (reason, count) in g.DroppedByReason.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            w.Sample("actortracing_decisions_total", count, ("decision", "dropped"), ("reason", reason));
        }
        w.Family("actortracing_trace_completions_total", "counter", "Traces considered complete, by completion reason (got_root, expired/..., span_limit, hand_off).");
        foreach (var (reason, count) in g.CompletedByReason.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            w.Sample("actortracing_trace_completions_total", count, ("reason", reason));
        }
        w.Single("actortracing_spans_kept_total", "counter", "Spans of kept traces, late spans included.", g.SpansKept);
        w.Single("actortracing_late_spans_total", "counter", "Spans that arrived after their trace was decided and followed the remembered decision.", g.LateSpans);
    }

    private void WriteDecisionLatency(PrometheusTextWriter w)
    {
        if (sources.DecisionLatency is not { } h)
        {
            return;
        }
        const string name = "actortracing_decision_latency_seconds";
        w.Family(name, "histogram", "Time from a trace's last span to its decision.");
        HistogramSamples(w, name, h);
    }

    /// <summary>The bucket, sum and count samples of one histogram (its family line written by the caller).</summary>
    private static void HistogramSamples(PrometheusTextWriter w, string name, LatencyHistogram h, params (string Name, string Value)[] labels)
    {
        var (cumulative, sum) = h.Snapshot();
        for (var i = 0; i < h.Bounds.Count; i++)
        {
            w.Sample(name + "_bucket", cumulative[i], [.. labels, ("le", PrometheusTextWriter.Format(h.Bounds[i]))]);
        }
        w.Sample(name + "_bucket", cumulative[^1], [.. labels, ("le", "+Inf")]);
        w.Sample(name + "_sum", sum, labels);
        w.Sample(name + "_count", cumulative[^1], labels);
    }

    private void WriteStorage(PrometheusTextWriter w)
    {
        if (sources.Storage is not { } s)
        {
            return;
        }
        var shards = s.GetWriterCounters();
        void Each(string name, string type, string help, Func<StorageShardCounters, double> value)
        {
            w.Family(name, type, help);
            foreach (var c in shards)
            {
                w.Sample(name, value(c), ("shard", c.Shard));
            }
        }
        Each("actortracing_storage_pending_rows", "gauge", "Kept spans enqueued and not yet written; ingest admission throttles on this.", c => c.PendingRows);
        Each("actortracing_storage_rows_written_total", "counter", "Rows written; rate(rows)/rate(batches) is the batch size.", c => c.RowsWritten);
        Each("actortracing_storage_batches_written_total", "counter", "Successful batch inserts.", c => c.BatchesWritten);
        Each("actortracing_storage_write_retries_total", "counter", "Insert attempts that repeated a failed one.", c => c.WriteRetries);
        Each("actortracing_storage_write_failures_total", "counter", "Insert attempts that failed (each is retried).", c => c.FailedAttempts);
        Each("actortracing_storage_unencodable_spans_total", "counter", "Spans skipped because their bytes could not be decoded.", c => c.UnencodableSpans);
        Each("actortracing_storage_last_write_duration_seconds", "gauge", "Duration of the last successful insert.", c => c.LastWriteSeconds);
        w.Family("actortracing_storage_write_duration_seconds", "summary", "Duration of successful inserts (sum and count; rate(sum)/rate(count) is the mean).");
        foreach (var c in shards)
        {
            w.Sample("actortracing_storage_write_duration_seconds_sum", c.WriteSecondsTotal, ("shard", c.Shard));
            w.Sample("actortracing_storage_write_duration_seconds_count", c.BatchesWritten, ("shard", c.Shard));
        }
    }

    private void WriteCluster(PrometheusTextWriter w)
    {
        var cluster = Akka.Cluster.Cluster.Get(sources.System);
        var state = cluster.State;
        var statuses = Enum.GetValues<Akka.Cluster.MemberStatus>();
        w.Family("actortracing_cluster_members", "gauge", "Cluster members by status, as this node sees them.");
        foreach (var status in statuses)
        {
            w.Sample("actortracing_cluster_members", state.Members.Count(m => m.Status == status), ("status", status.ToString().ToLowerInvariant()));
        }
        w.Single("actortracing_cluster_unreachable_members", "gauge", "Members this node's failure detector considers unreachable.", state.Unreachable.Count);
        w.Single("actortracing_cluster_is_leader", "gauge", "1 when this node is the cluster leader.", cluster.SelfAddress.Equals(state.Leader) ? 1 : 0);
    }

    // Process-wide, not per node: where several nodes share a process (tests, demo) they report
    // the same values. `bench --cluster` reads them to put GC beside each node process's CPU and RSS.
    private static void WriteRuntime(PrometheusTextWriter w)
    {
        w.Single("dotnet_total_memory_bytes", "gauge", "Bytes the GC heap holds now (GC.GetTotalMemory without a collection), for the whole process.", GC.GetTotalMemory(forceFullCollection: false));
        w.Single("actortracing_buffer_free_chunks", "gauge", "Free 32 KiB chunks the process keeps for buffered span bytes; those unused for a trace.memory-trim-interval are let go.", ActorTracing.Domain.Completion.ChunkPool.Shared.FreeCount);
        w.Single("dotnet_gc_committed_bytes", "gauge", "Memory the GC has committed for the heap (in use or free), for the whole process: what falls when the GC gives memory back to the system.", GC.GetGCMemoryInfo().TotalCommittedBytes);
        w.Single("process_resident_memory_bytes", "gauge", "Resident memory of the whole process (the engine's included), as the system counts it.", Environment.WorkingSet);
        w.Single("dotnet_gc_pause_time_seconds_total", "counter", "Time the process was paused for garbage collection since it started.", GC.GetTotalPauseDuration().TotalSeconds);
        if (ActorTracing.Storage.ChdbEngine.IsOpen)
        {
            w.Single("actortracing_storage_embedded_merge_cpu_seconds_total", "counter", "CPU time the embedded engine's background merges used in this process (its merge threads, niced): part of the process's CPU that competes with the node's own threads for the cores.", ActorTracing.Storage.ChdbEngine.MergeCpuSeconds());
        }
    }
}
