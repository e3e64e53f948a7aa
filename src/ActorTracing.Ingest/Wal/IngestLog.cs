using ActorTracing.Domain;
using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace ActorTracing.Ingest.Wal;

/// <summary>
/// The OTLP receivers' write-ahead log: every request the node accepts over OTLP is written here
/// (its body, as decoded) before the client hears "accepted", and confirmed once every trace in it
/// is decided by its owner — wherever in the cluster — and, when kept, written to storage. A node
/// that crashes with traces still open (a trace waits <c>send-delay</c> after its root, up to
/// <c>trace-timeout</c> without one) finds their requests here at its next start and submits them
/// again (<see cref="IngestLogReplay"/>), as Kafka ingest reads an uncommitted record again. Before,
/// those spans died with the process although their clients had been told they were accepted
/// (pain point 2, "buffered spans lost on restart").
/// </summary>
/// <remarks>
/// <para>
/// Files, not a database: appends are sequential, a request is written once and read only after a
/// crash, and a whole segment is deleted once every request in it is confirmed, so nothing is ever
/// compacted. Disk use is about the ingest rate × the longest a trace stays open; past
/// <c>max-size</c> the receivers refuse with Retry-After (backpressure, as for the node's buffer).
/// </para>
/// <para>
/// A write reaches the OS before the answer, so a process crash loses nothing; flushing to the
/// device is left to the OS unless <c>sync-interval</c> is set (a machine crash loses what was
/// not flushed; a flush stalls appends to its file, see hocon/ingest.conf). Confirmations are
/// written as they come; one lost to a crash has its request submitted again, whose spans then
/// follow the persisted decision as late spans (stored again if kept — at least once, as Kafka's).
/// </para>
/// Thread-safe: appends come from the receivers' request threads, confirmations from decisions.
/// </remarks>
public sealed class IngestLog : IDisposable
{
    private const string LockFileName = "lock";
    // Above the ~10,000 requests waiting at once at 300k spans/s; beyond it, waits go to the GC.
    private const int MaxPooledWaits = 16_384;

    private readonly IngestLogSettings _settings;
    private readonly string _directory;
    private readonly string _region;
    private readonly ILogger _logger;
    private readonly FileStream _lock;
    private readonly object _appendLock = new();
    private readonly ConcurrentDictionary<long, IngestLogSegment> _live = new();
    private readonly Timer? _syncTimer;
    private IngestLogSegment _current;
    private long _nextId;
    private long _bytes;
    private long _appended;
    private long _confirmed;
    private long _recoveredPending;
    private int _pendingDeletes;
    private long _abandoned;
    private readonly ConcurrentQueue<IngestLogEntry> _abandonedQueue = new();
    // Confirmed waits, to count the next requests (see NewWait): taken on request threads, given
    // back on the shards' as the waits end, so per thread in magazines, not under one lock.
    private readonly MagazinePool<IngestLogWait> _waits = new(MaxPooledWaits);
    private readonly SemaphoreSlim _abandonedSignal = new(0);
    private bool _closed;

    private IngestLog(IngestLogSettings settings, string region, ILogger logger, FileStream lockFile, long nextId)
    {
        _settings = settings;
        _directory = Path.GetFullPath(settings.Directory);
        _region = region;
        _logger = logger;
        _lock = lockFile;
        _nextId = nextId;
        _current = null!;
        if (settings.SyncInterval > TimeSpan.Zero)
        {
            _syncTimer = new Timer(_ => SyncAll(), null, settings.SyncInterval, settings.SyncInterval);
        }
    }

    /// <summary>What an earlier run left unconfirmed, oldest first: <see cref="IngestLogReplay"/> submits it again.</summary>
    public IReadOnlyList<IngestLogEntry> Recovered { get; private set; } = [];

    /// <summary>Bytes of the live segments on disk (data and confirmations); read on every request, so a running count.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Closed (the node is stopping): appends are refused.</summary>
    public bool Closed => Volatile.Read(ref _closed);

    public int Segments => _live.Count;

    /// <summary>Requests written (this run) or recovered and not confirmed yet.</summary>
    public long Unconfirmed => Interlocked.Read(ref _appended) + Interlocked.Read(ref _recoveredPending) - Interlocked.Read(ref _confirmed);

    /// <summary>Requests written since the start.</summary>
    public long Appended => Interlocked.Read(ref _appended);

    /// <summary>Whether ingest should refuse: the segments hold more than <c>max-size</c>.</summary>
    public bool OverBound => Bytes > _settings.MaxBytes;

    public long MaxBytes => _settings.MaxBytes;

    /// <summary>
    /// Opens (creating) the directory, takes its lock — a second node given the same directory
    /// fails here, naming the key — reads what an earlier run left into <see cref="Recovered"/>
    /// (deleting segments with nothing left to replay) and begins a new segment for appends.
    /// </summary>
    /// <exception cref="IngestLogException">The directory cannot be used; the message names the key.</exception>
    public static IngestLog Open(IngestLogSettings settings, string region, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(logger);
        var directory = Path.GetFullPath(settings.Directory);
        FileStream lockFile;
        try
        {
            System.IO.Directory.CreateDirectory(directory);
            // An exclusive lock (flock on Linux): the kernel drops it when the process dies, so a
            // crashed node's successor gets in, and a second live node on the directory does not.
            lockFile = new FileStream(Path.Combine(directory, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new IngestLogException(
                $"{IngestLogSettings.Section}.directory = '{settings.Directory}' ({directory}) cannot be used: {ex.Message} (another node's write-ahead log? each node needs a directory of its own)", ex);
        }

        IngestLog? log = null;
        try
        {
            var ids = System.IO.Directory.EnumerateFiles(directory, "*" + IngestLogSegment.DataExtension)
                .Select(p => long.TryParse(Path.GetFileNameWithoutExtension(p), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : -1)
                .Where(id => id >= 0)
                .Order()
                .ToArray();
            log = new IngestLog(settings, region, logger, lockFile, ids.Length == 0 ? 1 : ids[^1] + 1);
            log.RecoverSegments(ids);
            log.BeginSegment();
            return log;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            log?.Dispose();
            lockFile.Dispose();
            throw new IngestLogException($"{IngestLogSettings.Section}.directory = '{settings.Directory}' ({directory}): {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Writes one accepted request's body. Records are written one at a time under a lock, each
    /// with one gathered write (~10-30 µs for a typical request); the OS has it when this returns.
    /// </summary>
    /// <exception cref="IOException">The write failed (disk full, device error): the caller answers "unavailable, retry".</exception>
    public IngestLogEntry Append(ReadOnlyMemory<byte> body)
    {
        lock (_appendLock)
        {
            if (_closed)
            {
                throw new IOException("the ingest write-ahead log is closed: the node is stopping");
            }
            if (!_current.Fits(body.Length, _settings.SegmentBytes))
            {
                var full = _current;
                BeginSegment();
                full.CloseForAppends();
            }
            var (index, offset) = _current.Append(body);
            Interlocked.Increment(ref _appended);
            Interlocked.Add(ref _bytes, IngestLogSegment.RecordHeaderBytes + body.Length);
            return new IngestLogEntry(_current, index, offset, body.Length);
        }
    }

    /// <summary>The entry of record <paramref name="index"/> in segment <paramref name="segment"/>; default once the segment is gone.</summary>
    internal IngestLogEntry EntryIn(long segment, int index, long offset, int length) =>
        _live.TryGetValue(segment, out var live) ? new IngestLogEntry(live, index, offset, length) : default;

    /// <summary>Every trace of the entry's request is decided (and, kept, written): it will not be read again.</summary>
    public void Confirm(IngestLogEntry entry)
    {
        if (entry.Segment is null)
        {
            return; // its segment is gone: every request in it was confirmed, or the log closed
        }
        try
        {
            entry.Segment.Confirm(entry.Index);
        }
        catch (IOException ex)
        {
            // Not counted: the request stays unconfirmed on disk and is submitted again at the
            // next start (its spans follow the decision as late spans), and the segment stays.
            _logger.LogError(ex, "Ingest write-ahead log: confirmation of record {Index} of segment {Segment} could not be written", entry.Index, entry.Segment.Id);
            return;
        }
        Interlocked.Add(ref _bytes, IngestLogSegment.DoneEntryBytes);
        Interlocked.Increment(ref _confirmed);
    }

    /// <summary>
    /// A wait for a request's decisions that confirms it here once they all came in (set its
    /// <see cref="IngestLogWait.Entry"/>, then call <see cref="IngestLogWait.Ready"/>). Abandoned
    /// while the node runs — its shard moved as the request was sent, or an owner never
    /// confirmed — the request is handed back to be submitted again from the log
    /// (<see cref="TryTakeAbandoned"/>), so its segment is not held until the next start. Abandoned
    /// at a stop, it stays unconfirmed and the next start submits it again.
    /// </summary>
    /// <remarks>
    /// Waits are pooled: one lives per request until its traces are decided — seconds, so young
    /// collections promoted thousands of them each (with their receipts, most of what the log
    /// added to a young collection's pause). A wait goes back to the pool only once it ended
    /// confirmed: then every message it counted was confirmed and nothing holds it any more
    /// (<see cref="ConfirmationCountdown.TryReset"/>); an abandoned one is left to the GC, since a
    /// message that left the node may still confirm it. Its task must not be asked for.
    /// </remarks>
    public IngestLogWait NewWait(IngestLogEntry entry = default)
    {
        if (!_waits.TryTake(out var wait))
        {
            return new IngestLogWait(this) { Entry = entry };
        }
        wait!.Reuse(entry);
        return wait;
    }

    /// <summary>Waits in the pool, ready to count a request (a moment's reading over every thread).</summary>
    public int PooledWaits => _waits.Count;

    /// <summary>A confirmed wait, from its ending (see <see cref="NewWait"/>); beyond the bound it is left to the GC.</summary>
    internal void Recycle(IngestLogWait wait) => _waits.Give(wait);

    /// <summary>Requests handed back to be submitted again while running, since the start.</summary>
    public long Abandoned => Interlocked.Read(ref _abandoned);

    /// <summary>A request whose wait was abandoned while the node runs, to submit again; false when none waits.</summary>
    public bool TryTakeAbandoned(out IngestLogEntry entry) => _abandonedQueue.TryDequeue(out entry);

    /// <summary>Completes when a request has been handed back (or at once if one waits).</summary>
    public Task WaitForAbandonedAsync(CancellationToken cancellationToken) => _abandonedSignal.WaitAsync(cancellationToken);

    internal void HandBack(IngestLogEntry entry)
    {
        if (Closed || entry.Segment is null)
        {
            return;
        }
        Interlocked.Increment(ref _abandoned);
        _abandonedQueue.Enqueue(entry);
        _abandonedSignal.Release();
    }

    /// <summary>
    /// Waits until nothing written or recovered is unconfirmed, or <paramref name="within"/> has
    /// passed: a graceful stop lets the shards' hand-off decide what they hold, so a rolling
    /// restart has nothing to read again. True when all were confirmed.
    /// </summary>
    public async Task<bool> WaitForConfirmationsAsync(TimeSpan within, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + within;
        while (Unconfirmed > 0)
        {
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken).ConfigureAwait(false);
        }
        return true;
    }

    /// <summary>Flushes and closes every segment (deleting those nothing waits in) and lets the directory go.</summary>
    public void Dispose()
    {
        lock (_appendLock)
        {
            if (_closed)
            {
                return;
            }
            _closed = true;
        }
        _syncTimer?.Dispose();
        foreach (var segment in _live.Values.OrderBy(s => s.Id))
        {
            try
            {
                segment.Close();
            }
            catch (IOException ex)
            {
                _logger.LogError(ex, "Ingest write-ahead log: segment {Segment} could not be closed", segment.Id);
            }
        }
        // The files of segments deleted in the background go before the directory is let go: the
        // next node to open it must not find a segment that vanishes as it reads it.
        if (!SpinWait.SpinUntil(() => PendingDeletes == 0, TimeSpan.FromSeconds(10)))
        {
            _logger.LogWarning("Ingest write-ahead log: segment files still being deleted at close; the next start finds them with every record confirmed");
        }
        _lock.Dispose();
    }

    /// <summary>Segments whose files are being deleted in the background.</summary>
    internal int PendingDeletes => Volatile.Read(ref _pendingDeletes);

    /// <summary>
    /// A segment's last confirmation came after it was closed for appends: its files go — on a
    /// pool thread, since the last confirmation comes on a shard's thread, and unlinking 64 MB
    /// on ext4 mounted with discard takes milliseconds.
    /// </summary>
    internal void Deleted(IngestLogSegment segment)
    {
        _live.TryRemove(segment.Id, out _);
        Interlocked.Add(ref _bytes, -segment.Bytes);
        Interlocked.Increment(ref _pendingDeletes);
        ThreadPool.UnsafeQueueUserWorkItem(static state => state.log.DeleteFiles(state.id), (log: this, id: segment.Id), preferLocal: false);
    }

    private void DeleteFiles(long id)
    {
        foreach (var extension in new[] { IngestLogSegment.DataExtension, IngestLogSegment.DoneExtension })
        {
            try
            {
                File.Delete(Path.Combine(_directory, IngestLogSegment.FileName(id, extension)));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Left behind, it is read at the next start and finds every record confirmed.
                _logger.LogWarning(ex, "Ingest write-ahead log: segment {Segment} could not be deleted", id);
            }
        }
        Interlocked.Decrement(ref _pendingDeletes);
    }

    private void RecoverSegments(long[] ids)
    {
        var recovered = new List<IngestLogEntry>();
        foreach (var id in ids)
        {
            var segment = IngestLogSegment.Recover(this, _directory, id, out var records, out var dropped);
            if (dropped > 0)
            {
                _logger.LogWarning(
                    "Ingest write-ahead log: segment {Segment} ends in {Bytes} bytes that are not a whole record (a write cut short by a crash; its client had no answer and sends it again)",
                    id, dropped);
            }
            _live[id] = segment;
            Interlocked.Add(ref _bytes, segment.Bytes);
            Interlocked.Add(ref _recoveredPending, records.Count);
            // Closed for appends from the start: deleted now if nothing is left, else at its last confirmation.
            segment.CloseForAppends();
            recovered.AddRange(records);
        }
        Recovered = recovered;
        if (recovered.Count > 0)
        {
            _logger.LogWarning(
                "Ingest write-ahead log: {Requests} requests in {Segments} segments were accepted by an earlier run and not confirmed as decided; submitting them again",
                recovered.Count, recovered.Select(r => r.Segment).Distinct().Count());
        }
    }

    private void BeginSegment()
    {
        var segment = IngestLogSegment.Create(this, _directory, _nextId++, _region);
        _live[segment.Id] = segment;
        Interlocked.Add(ref _bytes, segment.Bytes);
        _current = segment;
    }

    private void SyncAll()
    {
        foreach (var segment in _live.Values)
        {
            try
            {
                segment.Sync();
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
                _logger.LogError(ex, "Ingest write-ahead log: segment {Segment} could not be flushed to the device", segment.Id);
            }
        }
    }
}

/// <summary>
/// One request's wait for its traces' decisions (see <see cref="IngestLog.NewWait"/>): the whole
/// of what the log keeps per request in memory — no task, no continuation — since one lives per
/// request until its traces are decided (~5,000 at once at 200k spans/s).
/// </summary>
public sealed class IngestLogWait : ActorTracing.Domain.Delivery.ConfirmationCountdown
{
    private readonly IngestLog _log;
    private int _ready;
    private int _handedBack;

    internal IngestLogWait(IngestLog log) => _log = log;

    // The entry without its segment object, which is looked up when needed. A wait is pooled, so
    // old; a segment is young for its first collections (a new one every second or so at 200k
    // spans/s), and a reference to it stored in an old wait is a dirty card per request for the
    // next young collection to scan.
    private long _segment = -1;
    private int _index;
    private long _offset;
    private int _length;

    /// <summary>Where the request is in the log; set before <see cref="Ready"/>.</summary>
    public IngestLogEntry Entry
    {
        get => _segment < 0 ? default : _log.EntryIn(_segment, _index, _offset, _length);
        set
        {
            _segment = value.Segment?.Id ?? -1;
            _index = value.Index;
            _offset = value.Offset;
            _length = value.Length;
        }
    }

    /// <summary>
    /// The entry is set: seals the wait (the outcome may come from now on). A wait abandoned
    /// before this — a message of the request left the node as it was sent, before the request
    /// was written — is handed back now; one abandoned after, when it is. The caller lets go of
    /// the wait here: confirmed, it goes back to the log's pool.
    /// </summary>
    public void Ready()
    {
        Interlocked.Exchange(ref _ready, 1);
        // Read before sealing: the seal may confirm the wait, which then counts another request.
        // Abandoned first, it can never be confirmed (nor reused), and the hand-back is ours.
        var abandoned = IsAbandoned;
        Seal();
        if (abandoned)
        {
            HandBackOnce();
        }
    }

    /// <summary>On the thread of the last confirmation (a shard's): one small write to the confirmations file.</summary>
    protected override void OnConfirmed() => _log.Confirm(Entry);

    protected override void OnAbandoned()
    {
        if (Volatile.Read(ref _ready) == 1)
        {
            HandBackOnce();
        }
    }

    protected override void OnEnded(bool confirmed)
    {
        if (confirmed && TryReset())
        {
            _log.Recycle(this);
        }
    }

    /// <summary>Counts a new request (from the pool: see <see cref="IngestLog.NewWait"/>).</summary>
    internal void Reuse(IngestLogEntry entry)
    {
        Entry = entry;
        Volatile.Write(ref _handedBack, 0);
        Volatile.Write(ref _ready, 0);
    }

    // Ready and OnAbandoned may race: each checks the other's mark after setting its own, so at
    // least one sees both, and the exchange lets only the first hand it back.
    private void HandBackOnce()
    {
        if (Interlocked.Exchange(ref _handedBack, 1) == 0)
        {
            _log.HandBack(Entry);
        }
    }
}

/// <summary>The write-ahead log's directory cannot be used; the message names the key.</summary>
public sealed class IngestLogException(string message, Exception? inner = null) : Exception(message, inner);
