using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace ActorTracing.Storage;

/// <summary>
/// The embedded ClickHouse engine (chDB's libchdb.so) of this process. chDB allows one connection
/// per process and a connection runs one statement at a time, so this is a process-wide singleton
/// and every call is serialized by one lock; callers on many threads simply queue.
/// Asynchronous callers (the storage writer, stats for metrics, the query API) go through
/// <see cref="RunAsync{T}"/>, which runs the call on the engine's own thread: a call blocks in
/// native code for as long as the statement takes (an insert of a second's kept spans: 150–300 ms
/// on 2 cores), and a .NET thread-pool thread held that long — or waiting for the lock behind it —
/// is one the pool cannot give to requests. With two cores the pool runs a handful of threads, and
/// the bench saw acks stop for the whole length of an insert while the progress sampler waited
/// on the lock (ack p99 at 100 % of 200k spans/s: 228 ms; every stall lined up with an insert).
/// It is never closed: once MergeTree tables exist chDB crashes at close/exit, and the OS reclaims
/// everything at process end anyway (inserts are committed when StreamInsert returns).
/// </summary>
public sealed unsafe class ChdbEngine
{
    private static readonly object OpenLock = new();
    private static ChdbEngine? _instance;

    /// <summary>Whether this process opened the engine (then it must not run chDB's exit handlers).</summary>
    public static bool IsOpen
    {
        get
        {
            lock (OpenLock)
            {
                return _instance is not null;
            }
        }
    }

    // One reader for the process: the engine's merge threads are this process's threads.
    private static readonly ThreadCpuReader MergeThreads = new(Environment.ProcessId, MergeThreadName);
    private static readonly Lock MergeThreadsGate = new();

    /// <summary>
    /// CPU seconds the engine's background merge threads have used in this process (0 before it
    /// opens, and where there is no /proc). Merges run on threads of the node's own process, and
    /// at a node's sustained maximum they take a fifth to a third of a core from the node's threads.
    /// </summary>
    public static double MergeCpuSeconds()
    {
        if (!IsOpen)
        {
            return 0;
        }
        lock (MergeThreadsGate)
        {
            return MergeThreads.CpuSeconds();
        }
    }

    private readonly object _callLock = new();
    private readonly System.Collections.Concurrent.BlockingCollection<Action> _calls = [];
    private readonly ChdbNative _native;
    private readonly IntPtr* _connection;
    private volatile string? _running;
    private long _runningSince;

    private ChdbEngine(ChdbNative native, IntPtr* connection, string dataDirectory, int restoredSignalHandlers)
    {
        _native = native;
        _connection = connection;
        DataDirectory = dataDirectory;
        RestoredSignalHandlers = restoredSignalHandlers;
        Version = ChdbNative.ReadUtf8(native.Version()) ?? "unknown";
        // The engine's own thread for RunAsync, started with the engine (which lives as long as
        // the process). A background thread: the engine is never closed (see the class), and the
        // process must be able to exit while the thread waits for calls.
        new Thread(Serve) { IsBackground = true, Name = ThreadName }.Start();
    }

    /// <summary>The full path the engine keeps its databases in (chDB's <c>--path</c>).</summary>
    public string DataDirectory { get; }

    public string LibraryPath => _native.Path;

    /// <summary>chDB's version string.</summary>
    public string Version { get; }

    /// <summary>How many of the runtime's signal handlers chDB replaced at connect and were put back.</summary>
    internal int RestoredSignalHandlers { get; }

    /// <summary>
    /// Opens the process's engine on <paramref name="dataDirectory"/> (created if missing), or
    /// returns the already open one when it uses the same directory.
    /// </summary>
    /// <exception cref="StorageException">The library is missing, connect failed, or another directory is already open.</exception>
    /// <summary>
    /// One merge thread by default: ClickHouse's default pool (16) lets a burst of merges take every
    /// core of a small machine at once, and the node's requests queue behind it — measured at
    /// 150k spans/s on 2 cores, ack p99 83 ms with the default pool, 48 ms with one thread, which
    /// kept up with the merges. Raise it on machines with cores to spare.
    /// </summary>
    public const int DefaultMergeThreads = 1;

    /// <summary>The name (comm) ClickHouse gives its background merge threads; <see cref="StorageSettings.EmbeddedMergeThreadNice"/> finds them by it.</summary>
    public const string MergeThreadName = "MergeMutate";

    /// <param name="mergeThreads">Background merge threads (background_pool_size); only the first open of the process applies it.</param>
    public static ChdbEngine Open(string dataDirectory, int mergeThreads = DefaultMergeThreads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(mergeThreads, 1);
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        var fullPath = Path.GetFullPath(dataDirectory);
        lock (OpenLock)
        {
            if (_instance is not null)
            {
                if (!string.Equals(_instance.DataDirectory, fullPath, StringComparison.Ordinal))
                {
                    throw new StorageException(
                        $"chDB allows one data directory per process: it is open on '{_instance.DataDirectory}', " +
                        $"so '{fullPath}' cannot be opened. Use one DataDirectory per process (separate databases share it).");
                }
                return _instance;
            }

            Directory.CreateDirectory(fullPath);
            var native = ChdbNative.Load();
            IntPtr* connection = null;
            var restored = SignalHandlerGuard.Run(() =>
            {
                // Must precede chdb_connect: with ClickHouse's handlers installed the first managed
                // NullReferenceException anywhere in the process kills it silently.
                native.SetSignalHandlersEnabled(0);
                connection = native.Connect(3, BuildArgv(fullPath, mergeThreads));
            });
            if (connection is null || *connection == IntPtr.Zero)
            {
                throw new StorageException($"chdb_connect failed for --path={fullPath} (library {native.Path}); chDB logs the reason to stderr.");
            }
            _instance = new ChdbEngine(native, connection, fullPath, restored);
            return _instance;
        }
    }

    /// <summary>
    /// Runs <paramref name="call"/> on the engine's own thread (one thread, as calls are
    /// serialized anyway) and completes the task from there — continuations run on
    /// the thread pool, never on the engine's thread. A call cancelled before its turn is skipped.
    /// </summary>
    public Task<T> RunAsync<T>(Func<ChdbEngine, T> call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _calls.Add(() =>
        {
            if (cancellationToken.IsCancellationRequested)
            {
                done.TrySetCanceled(cancellationToken);
                return;
            }
            try
            {
                done.TrySetResult(call(this));
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        });
        return done.Task;
    }

    /// <summary>The name of the engine's thread (for diagnostics and tests).</summary>
    public const string ThreadName = "chdb-engine";

    private void Serve()
    {
        // Blocks this dedicated thread only; no pool thread waits here.
        foreach (var call in _calls.GetConsumingEnumerable())
        {
            call();
        }
    }

    /// <summary>Runs a statement whose output is not needed (DDL, ALTER, small INSERT ... VALUES).</summary>
    public void Execute(string sql) => _ = QueryBytes(sql, "TabSeparated");

    /// <summary>Runs <paramref name="sql"/> and returns its output in <paramref name="format"/> as UTF-8 text.</summary>
    public string Query(string sql, string format = "TabSeparated") => Encoding.UTF8.GetString(QueryBytes(sql, format));

    /// <summary>Runs <paramref name="sql"/> and returns its raw output in <paramref name="format"/>.</summary>
    /// <exception cref="StorageException">ClickHouse rejected the statement; the message holds its error text.</exception>
    public byte[] QueryBytes(string sql, string format)
    {
        ArgumentNullException.ThrowIfNull(sql);
        ArgumentNullException.ThrowIfNull(format);
        var sqlBytes = NullTerminated(sql);
        var formatBytes = NullTerminated(format);
        lock (_callLock)
        {
            IntPtr result;
            Began(sql);
            try
            {
                fixed (byte* sqlPtr = sqlBytes)
                fixed (byte* formatPtr = formatBytes)
                {
                    result = _native.Query(*_connection, sqlPtr, formatPtr);
                }
            }
            finally
            {
                _running = null;
            }
            if (result == IntPtr.Zero)
            {
                throw new StorageException($"chdb_query returned no result for: {Abbreviate(sql)}");
            }
            try
            {
                var error = ChdbNative.ReadUtf8(_native.ResultError(result));
                if (error is not null)
                {
                    throw new StorageException($"ClickHouse rejected the query: {error.Trim()} (query: {Abbreviate(sql)})");
                }
                var length = checked((int)_native.ResultLength(result));
                var buffer = _native.ResultBuffer(result);
                return length == 0 || buffer is null ? [] : new ReadOnlySpan<byte>(buffer, length).ToArray();
            }
            finally
            {
                _native.DestroyQueryResult(result);
            }
        }
    }

    /// <summary>
    /// Inserts <paramref name="data"/> (encoded in <paramref name="format"/>, e.g. RowBinary) with a
    /// streaming INSERT, the only path that is binary-safe: RowBinary inlined after FORMAT in a
    /// query string is truncated by chDB. Returns the rows written as ClickHouse reports them,
    /// which includes rows materialized views wrote.
    /// </summary>
    /// <param name="insertSql">An INSERT without FORMAT clause or data, e.g. <c>INSERT INTO db.t (a, b)</c>.</param>
    /// <exception cref="StorageException">The insert failed; nothing is committed for a failed stream.</exception>
    public ulong StreamInsert(string insertSql, string format, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(insertSql);
        ArgumentNullException.ThrowIfNull(format);
        var sqlBytes = NullTerminated(insertSql);
        var formatBytes = NullTerminated(format);
        lock (_callLock)
        {
            Began(insertSql);
            try
            {
                return StreamInsertLocked(insertSql, sqlBytes, formatBytes, data);
            }
            finally
            {
                _running = null;
            }
        }
    }

    private ulong StreamInsertLocked(string insertSql, byte[] sqlBytes, byte[] formatBytes, ReadOnlySpan<byte> data)
    {
        IntPtr stream;
        fixed (byte* sqlPtr = sqlBytes)
        fixed (byte* formatPtr = formatBytes)
        {
            stream = _native.StreamInsert(*_connection, sqlPtr, formatPtr);
        }
        if (stream == IntPtr.Zero)
        {
            throw new StorageException($"chdb_stream_insert returned no stream for: {Abbreviate(insertSql)}");
        }
        try
        {
            ThrowIfStreamFailed(stream, "start", insertSql);
            if (!data.IsEmpty)
            {
                int state;
                fixed (byte* dataPtr = data)
                {
                    state = _native.StreamAppend(stream, dataPtr, (nuint)data.Length);
                }
                if (state != 0)
                {
                    ThrowIfStreamFailed(stream, "append", insertSql);
                    throw new StorageException($"chdb_stream_append failed without an error text for: {Abbreviate(insertSql)}");
                }
            }
            var result = _native.StreamDone(stream);
            if (result == IntPtr.Zero)
            {
                ThrowIfStreamFailed(stream, "finish", insertSql);
                throw new StorageException($"chdb_stream_done returned no result for: {Abbreviate(insertSql)}");
            }
            try
            {
                var error = ChdbNative.ReadUtf8(_native.ResultError(result));
                if (error is not null)
                {
                    throw new StorageException($"ClickHouse rejected the insert: {error.Trim()} (insert: {Abbreviate(insertSql)})");
                }
                return _native.ResultRowsWritten(result);
            }
            finally
            {
                _native.DestroyQueryResult(result);
            }
        }
        finally
        {
            // Cancels an unfinished stream, so a failed insert commits nothing.
            _native.DestroyInsertStream(stream);
        }
    }

    /// <summary>
    /// The statement the engine is running now (abbreviated) and for how long; null when it runs
    /// none. Read only to explain a call that does not come back: a native call cannot be
    /// cancelled, so a bounded wait can only say what it was stuck behind.
    /// </summary>
    public (string Statement, TimeSpan Elapsed)? Running
    {
        get
        {
            var sql = _running;
            return sql is null ? null : (Abbreviate(sql), Stopwatch.GetElapsedTime(Volatile.Read(ref _runningSince)));
        }
    }

    // Under _callLock: one statement at a time, so these two fields describe the one running.
    private void Began(string sql)
    {
        Volatile.Write(ref _runningSince, Stopwatch.GetTimestamp());
        _running = sql;
    }

    private void ThrowIfStreamFailed(IntPtr stream, string step, string insertSql)
    {
        var error = ChdbNative.ReadUtf8(_native.StreamInsertError(stream));
        if (error is not null)
        {
            throw new StorageException($"ClickHouse rejected the insert ({step}): {error.Trim()} (insert: {Abbreviate(insertSql)})");
        }
    }

    private static byte** BuildArgv(string dataDirectory, int mergeThreads)
    {
        // Deliberately never freed: connect happens once per process, and chDB may keep argv.
        var argv = (byte**)NativeMemory.Alloc(3, (nuint)sizeof(byte*));
        argv[0] = (byte*)Marshal.StringToCoTaskMemUTF8("chdb");
        argv[1] = (byte*)Marshal.StringToCoTaskMemUTF8("--path=" + dataDirectory);
        argv[2] = (byte*)Marshal.StringToCoTaskMemUTF8(string.Create(CultureInfo.InvariantCulture, $"--background_pool_size={mergeThreads}"));
        return argv;
    }

    private static byte[] NullTerminated(string text)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(text) + 1];
        Encoding.UTF8.GetBytes(text, bytes);
        return bytes;
    }

    private static string Abbreviate(string sql) => sql.Length <= 300 ? sql : string.Concat(sql.AsSpan(0, 300), "...");
}
