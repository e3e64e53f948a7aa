using System.Text;
using ActorTracing.Ingest.Wal;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorTracing.Ingest.Tests.Wal;

/// <summary>
/// The write-ahead log on a real directory: what is written is read back after the process
/// "crashed" (the log let go without confirming), confirmed requests are not, whole segments go
/// once everything in them is confirmed, and a torn tail or a second node is handled.
/// </summary>
public sealed class IngestLogSpec : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "at-wal-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private IngestLogSettings Settings(long segmentBytes = 64 * 1024, long maxBytes = 1024 * 1024) => new()
    {
        Directory = _directory,
        SegmentBytes = segmentBytes,
        MaxBytes = maxBytes,
        SyncInterval = TimeSpan.Zero,
    };

    private IngestLog Open(IngestLogSettings? settings = null, string region = "iad") =>
        IngestLog.Open(settings ?? Settings(), region, NullLogger.Instance);

    private static byte[] Body(int n, int size = 100)
    {
        var body = new byte[size];
        Encoding.ASCII.GetBytes("request-" + n).CopyTo(body, 0);
        return body;
    }

    /// <summary>Three requests of 100 bytes, none confirmed, then the log lets go; returns the segment's data file.</summary>
    private string WriteThreeAndStop()
    {
        using var log = Open();
        log.Append(Body(1));
        var second = log.Append(Body(2));
        log.Append(Body(3));
        return Path.Combine(_directory, IngestLogSegment.FileName(second.Segment.Id, ".wal"));
    }

    private string[] SegmentFiles(IngestLog? settled = null)
    {
        if (settled is not null)
        {
            Assert.True(SpinWait.SpinUntil(() => settled.PendingDeletes == 0, TimeSpan.FromSeconds(10)));
        }
        return SegmentFilesNow();
    }

    private string[] SegmentFilesNow() => Directory.GetFiles(_directory, "*.wal").Select(Path.GetFileName).Order().ToArray()!;

    [Fact]
    public void Requests_not_confirmed_when_the_process_stops_are_read_back_with_their_region_and_confirmed_ones_are_not()
    {
        using (var log = Open())
        {
            var first = log.Append(Body(1));
            log.Append(Body(2));
            log.Append(Body(3));
            log.Confirm(first);
            Assert.Equal(2, log.Unconfirmed);
        }

        using var again = Open(region: "sfo");
        var records = again.Recovered;
        Assert.Single(records.Select(r => r.Segment).Distinct());
        Assert.Equal("iad", records[0].Segment.Region); // the region they were received in, not the new run's
        Assert.Equal([1, 2], records.Select(r => r.Index));
        Assert.Equal(Body(2), records[0].ReadBody());
        Assert.Equal(Body(3), records[1].ReadBody());
        Assert.Equal(2, again.Unconfirmed);
    }

    [Fact]
    public async Task With_a_sync_interval_written_segments_are_flushed_while_appends_and_deletions_go_on()
    {
        using (var log = Open(Settings(segmentBytes: 64 * 1024) with { SyncInterval = TimeSpan.FromMilliseconds(10) }))
        {
            for (var i = 0; i < 40; i++)
            {
                var entry = log.Append(Body(i, 10_000));
                if (i % 2 == 0)
                {
                    log.Confirm(entry);
                }
                await Task.Delay(2);
            }
            await Task.Delay(50);
        }
        using var again = Open();
        Assert.Equal(20, again.Recovered.Count);
    }

    [Fact]
    public void A_segment_is_deleted_once_it_is_full_and_every_request_in_it_is_confirmed()
    {
        using var log = Open(Settings(segmentBytes: 64 * 1024));
        var entries = Enumerable.Range(0, 10).Select(i => log.Append(Body(i, 10_000))).ToList();
        // ~6 records of 10 KB fill a 64 KiB segment: the seventh began a second one.
        Assert.Equal(2, log.Segments);
        var firstSegment = entries[0].Segment;
        var inFirst = entries.Where(e => e.Segment == firstSegment).ToList();
        foreach (var entry in inFirst.Skip(1))
        {
            log.Confirm(entry);
        }
        Assert.Equal(2, SegmentFiles(log).Length); // one request still waits in the first
        log.Confirm(inFirst[0]);
        Assert.Single(SegmentFiles(log));
        Assert.Equal(entries.Count - inFirst.Count, log.Unconfirmed);
        // The running count of bytes is the files' own, the deleted segment's confirmations included.
        Assert.Equal(Directory.GetFiles(_directory, "*.wal").Concat(Directory.GetFiles(_directory, "*.done")).Sum(f => new FileInfo(f).Length), log.Bytes);

        // The segment still taking appends stays until the log closes; with nothing waiting, it goes then.
        foreach (var entry in entries.Except(inFirst))
        {
            log.Confirm(entry);
        }
        Assert.Single(SegmentFiles(log));
        log.Dispose();
        Assert.Empty(SegmentFiles(log));
        Assert.Empty(Directory.GetFiles(_directory, "*.done"));
    }

    [Fact]
    public void A_recovered_segment_is_deleted_once_its_requests_are_confirmed_again_and_a_second_recovery_skips_those_confirmed()
    {
        using (var log = Open())
        {
            log.Append(Body(1));
            log.Append(Body(2));
        }
        using (var second = Open())
        {
            second.Confirm(second.Recovered[0]);
            // A crash now: the second request is still owed.
        }
        using (var third = Open())
        {
            var record = Assert.Single(third.Recovered);
            Assert.Equal(Body(2), record.ReadBody());
            var recoveredName = IngestLogSegment.FileName(record.Segment.Id, ".wal");
            Assert.Contains(recoveredName, SegmentFiles());
            third.Confirm(record);
            Assert.DoesNotContain(recoveredName, SegmentFiles(third));
        }
        using var fourth = Open();
        Assert.Empty(fourth.Recovered);
    }

    [Fact]
    public void A_record_cut_short_by_a_crash_ends_what_is_read_back_and_a_torn_confirmation_does_not_count()
    {
        var path = WriteThreeAndStop();
        // The third record lost its last bytes; the confirmations file got half an entry.
        using (var data = new FileStream(path, FileMode.Open))
        {
            data.SetLength(data.Length - 5);
        }
        File.WriteAllBytes(Path.ChangeExtension(path, ".done"), [0, 0]);

        using var again = Open();
        Assert.Equal([0, 1], again.Recovered.Select(r => r.Index));
    }

    [Fact]
    public void A_record_whose_bytes_changed_fails_its_checksum_and_ends_what_is_read_back()
    {
        var path = WriteThreeAndStop();
        var bytes = File.ReadAllBytes(path);
        bytes[^150] ^= 0xFF; // inside the second record's body (each record is 8 + 100 bytes)
        File.WriteAllBytes(path, bytes);

        using var again = Open();
        Assert.Equal([0], again.Recovered.Select(r => r.Index));
    }

    [Fact]
    public void A_second_log_on_the_same_directory_is_refused_naming_the_key_and_gets_in_once_the_first_lets_go()
    {
        var first = Open();
        var ex = Assert.Throws<IngestLogException>(() => Open());
        Assert.Contains("actortracing.ingest.wal.directory", ex.Message, StringComparison.Ordinal);
        Assert.Contains("a directory of its own", ex.Message, StringComparison.Ordinal);
        first.Dispose();
        using var second = Open();
        Assert.Empty(second.Recovered);
    }

    [Fact]
    public void A_file_in_the_directory_that_is_not_a_segment_fails_the_open_naming_the_key()
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllText(Path.Combine(_directory, "000000000007.wal"), "not a segment");
        var ex = Assert.Throws<IngestLogException>(() => Open());
        Assert.Contains("actortracing.ingest.wal.directory", ex.Message, StringComparison.Ordinal);
        Assert.Contains("bad magic", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_log_is_over_its_bound_past_max_size_and_under_it_again_once_decisions_free_segments()
    {
        using var log = Open(Settings(segmentBytes: 64 * 1024, maxBytes: 128 * 1024));
        var entries = new List<IngestLogEntry>();
        while (!log.OverBound)
        {
            entries.Add(log.Append(Body(entries.Count, 10_000)));
        }
        Assert.True(log.Bytes > 128 * 1024);
        foreach (var entry in entries)
        {
            log.Confirm(entry);
        }
        Assert.False(log.OverBound);
        Assert.Equal(0, log.Unconfirmed);
    }

    [Fact]
    public void Appends_after_the_log_closed_are_refused_as_an_io_failure_and_a_late_confirmation_is_ignored()
    {
        var log = Open();
        var entry = log.Append(Body(1));
        log.Dispose();
        Assert.True(log.Closed);
        var ex = Assert.Throws<IOException>(() => log.Append(Body(2)));
        Assert.Contains("stopping", ex.Message, StringComparison.Ordinal);
        log.Confirm(entry); // the decision came after the stop: the request stays owed

        using var again = Open();
        Assert.Single(again.Recovered);
    }

    [Fact]
    public void A_wait_abandoned_while_the_node_runs_hands_its_request_back_once_to_be_read_again_and_not_once_the_log_closed()
    {
        var log = Open();
        // Abandoned after it was ready (an owner never confirmed).
        var late = log.NewWait();
        late.Entry = log.Append(Body(1));
        late.Expect();
        late.Ready();
        late.Abandon();
        late.Abandon();
        // Abandoned before the request was written (a message left the node as it was sent).
        var early = log.NewWait();
        early.Expect();
        early.Abandon();
        early.Entry = log.Append(Body(2));
        early.Ready();

        Assert.Equal(2, log.Abandoned);
        Assert.True(log.TryTakeAbandoned(out var first));
        Assert.Equal(Body(1), first.ReadBody());
        Assert.True(log.TryTakeAbandoned(out var second));
        Assert.Equal(Body(2), second.ReadBody());
        Assert.False(log.TryTakeAbandoned(out _));
        Assert.Equal(2, log.Unconfirmed); // owed until submitted again and decided

        var stopping = log.NewWait(log.Append(Body(3)));
        stopping.Expect();
        stopping.Ready();
        log.Dispose();
        stopping.Abandon(); // the next start submits it again
        Assert.Equal(2, log.Abandoned);
    }

    [Fact]
    public void A_request_is_confirmed_when_its_wait_completes_and_stays_owed_when_the_wait_is_abandoned()
    {
        using (var log = Open())
        {
            var decided = log.NewWait();
            decided.Entry = log.Append(Body(1));
            decided.Expect();
            decided.Ready();
            var abandoned = log.NewWait(log.Append(Body(2)));
            abandoned.Expect();
            abandoned.Ready();

            decided.Confirmed();
            abandoned.Abandon();
            abandoned.Confirmed(); // too late: abandoned first
            Assert.Equal(1, log.Unconfirmed);
            Assert.Equal(1, log.PooledWaits); // the confirmed one, to count another request
            Assert.True(abandoned.Task.IsCanceled);
        }
        using var again = Open();
        Assert.Equal(Body(2), Assert.Single(again.Recovered).ReadBody());
    }

    [Fact]
    public void A_confirmed_wait_counts_the_next_request_and_an_abandoned_one_or_one_whose_task_was_asked_for_never_does()
    {
        using var log = Open();
        var first = log.NewWait();
        var firstUse = first.Cycle;
        first.Entry = log.Append(Body(1));
        first.Expect();
        first.Ready();
        first.Confirmed(firstUse);
        Assert.Equal(1, log.PooledWaits);

        // The same object, counting afresh: one confirmation short of its end, its request is owed.
        var second = log.NewWait(log.Append(Body(2)));
        Assert.Same(first, second);
        Assert.Equal(0, log.PooledWaits);
        Assert.NotEqual(firstUse, second.Cycle);
        second.Expect();
        second.Expect();
        second.Ready();
        // A confirmation meant for the first use (a holder confirming twice) does not count.
        Assert.False(second.Confirmed(firstUse));
        Assert.False(second.Abandon(firstUse));
        second.Confirmed();
        Assert.Equal(1, log.Unconfirmed);
        second.Confirmed();
        Assert.Equal(0, log.Unconfirmed);
        Assert.Equal(1, log.PooledWaits);

        // Abandoned, it stays out of the pool: a message that left the node may still confirm it,
        // and that late confirmation must not count for another request.
        var abandoned = log.NewWait(log.Append(Body(3)));
        abandoned.Expect();
        abandoned.Ready();
        abandoned.Abandon();
        Assert.Equal(0, log.PooledWaits);
        var next = log.NewWait(log.Append(Body(4)));
        Assert.NotSame(abandoned, next);
        next.Expect();
        next.Ready();
        abandoned.Confirmed();
        Assert.Equal(2, log.Unconfirmed); // 3 (handed back, owed until submitted again) and 4

        // Its task asked for, someone may still be waiting on it: not reused either.
        var task = next.Task;
        next.Confirmed();
        Assert.True(task.IsCompletedSuccessfully);
        Assert.Equal(1, log.Unconfirmed);
        Assert.Equal(0, log.PooledWaits);
    }

    [Fact]
    public async Task Appends_and_confirmations_from_many_threads_lose_nothing_and_leave_nothing_behind()
    {
        using (var log = Open(Settings(segmentBytes: 64 * 1024, maxBytes: 64L * 1024 * 1024)))
        {
            var written = new System.Collections.Concurrent.ConcurrentBag<IngestLogEntry>();
            await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
            {
                for (var i = 0; i < 250; i++)
                {
                    var entry = log.Append(Body((t * 1000) + i, 1_000));
                    if (i % 2 == 0)
                    {
                        log.Confirm(entry);
                    }
                    else
                    {
                        written.Add(entry);
                    }
                }
            })));
            Assert.Equal(500, log.Unconfirmed);
            Assert.True(log.Segments > 3);
        }
        using var again = Open();
        var bodies = again.Recovered.Select(r => Encoding.ASCII.GetString(r.ReadBody()).TrimEnd('\0')).ToHashSet();
        Assert.Equal(500, bodies.Count);
        Assert.Equal(
            Enumerable.Range(0, 4).SelectMany(t => Enumerable.Range(0, 250).Where(i => i % 2 == 1).Select(i => "request-" + ((t * 1000) + i))).ToHashSet(),
            bodies);
    }
}
