using System.Runtime.InteropServices;

namespace ActorTracing.Storage;

/// <summary>
/// The slice of chDB's C API (programs/local/chdb.h, chDB 26.7) that the embedded engine uses,
/// bound as unmanaged function pointers on a library loaded from an explicit path. No header
/// ships with the npm package, so the signatures below are transcribed from chdb.h; a wrong
/// prototype crashes rather than fails, which is why every one is written out here once.
/// <list type="bullet">
/// <item><c>chdb_connection* chdb_connect(int argc, char** argv)</c> — a pointer TO the connection handle.</item>
/// <item><c>chdb_result* chdb_query(chdb_connection conn, const char* query, const char* format)</c> — takes the dereferenced handle.</item>
/// <item><c>chdb_insert_stream chdb_stream_insert(chdb_connection, const char* query, const char* format)</c> — never NULL; errors via <c>chdb_stream_insert_error</c>.</item>
/// <item><c>chdb_state chdb_stream_append(chdb_insert_stream, const void* data, size_t len)</c> — 0 = CHDBSuccess.</item>
/// <item><c>chdb_result* chdb_stream_done(chdb_insert_stream)</c>, <c>void chdb_destroy_insert_stream(chdb_insert_stream)</c>.</item>
/// </list>
/// </summary>
internal sealed unsafe class ChdbNative
{
    public const string LibraryPathVariable = "ACTORTRACING_CHDB_LIB";

    private ChdbNative(IntPtr library, string path)
    {
        Library = library;
        Path = path;
        SetSignalHandlersEnabled = (delegate* unmanaged<int, void>)Export(library, "chdb_set_signal_handlers_enabled");
        Connect = (delegate* unmanaged<int, byte**, IntPtr*>)Export(library, "chdb_connect");
        Query = (delegate* unmanaged<IntPtr, byte*, byte*, IntPtr>)Export(library, "chdb_query");
        ResultBuffer = (delegate* unmanaged<IntPtr, byte*>)Export(library, "chdb_result_buffer");
        ResultLength = (delegate* unmanaged<IntPtr, nuint>)Export(library, "chdb_result_length");
        ResultError = (delegate* unmanaged<IntPtr, byte*>)Export(library, "chdb_result_error");
        ResultRowsWritten = (delegate* unmanaged<IntPtr, ulong>)Export(library, "chdb_result_rows_written");
        DestroyQueryResult = (delegate* unmanaged<IntPtr, void>)Export(library, "chdb_destroy_query_result");
        StreamInsert = (delegate* unmanaged<IntPtr, byte*, byte*, IntPtr>)Export(library, "chdb_stream_insert");
        StreamAppend = (delegate* unmanaged<IntPtr, byte*, nuint, int>)Export(library, "chdb_stream_append");
        StreamDone = (delegate* unmanaged<IntPtr, IntPtr>)Export(library, "chdb_stream_done");
        StreamInsertError = (delegate* unmanaged<IntPtr, byte*>)Export(library, "chdb_stream_insert_error");
        DestroyInsertStream = (delegate* unmanaged<IntPtr, void>)Export(library, "chdb_destroy_insert_stream");
        Version = (delegate* unmanaged<byte*>)Export(library, "chdb_version");
    }

    public IntPtr Library { get; }

    public string Path { get; }

    public delegate* unmanaged<int, void> SetSignalHandlersEnabled { get; }

    public delegate* unmanaged<int, byte**, IntPtr*> Connect { get; }

    public delegate* unmanaged<IntPtr, byte*, byte*, IntPtr> Query { get; }

    public delegate* unmanaged<IntPtr, byte*> ResultBuffer { get; }

    public delegate* unmanaged<IntPtr, nuint> ResultLength { get; }

    public delegate* unmanaged<IntPtr, byte*> ResultError { get; }

    public delegate* unmanaged<IntPtr, ulong> ResultRowsWritten { get; }

    public delegate* unmanaged<IntPtr, void> DestroyQueryResult { get; }

    public delegate* unmanaged<IntPtr, byte*, byte*, IntPtr> StreamInsert { get; }

    public delegate* unmanaged<IntPtr, byte*, nuint, int> StreamAppend { get; }

    public delegate* unmanaged<IntPtr, IntPtr> StreamDone { get; }

    public delegate* unmanaged<IntPtr, byte*> StreamInsertError { get; }

    public delegate* unmanaged<IntPtr, void> DestroyInsertStream { get; }

    public delegate* unmanaged<byte*> Version { get; }

    public static ChdbNative Load()
    {
        var path = LocateLibrary();
        IntPtr handle;
        try
        {
            handle = NativeLibrary.Load(path);
        }
        catch (DllNotFoundException e)
        {
            throw new StorageException($"Could not load chDB from '{path}': {e.Message}", e);
        }
        return new ChdbNative(handle, path);
    }

    /// <summary>
    /// ACTORTRACING_CHDB_LIB wins; otherwise the first <c>.tools/chdb/package/libchdb.so</c> found
    /// walking up from the app's base directory (finds the checkout from bin/ and test output
    /// folders), then from the working directory (builds with an artifacts path outside the repo).
    /// </summary>
    public static string LocateLibrary()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(LibraryPathVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            if (!File.Exists(fromEnvironment))
            {
                throw new StorageException(
                    $"{LibraryPathVariable} points to '{fromEnvironment}', which does not exist. " +
                    "Unset it to use .tools/chdb, or run scripts/fetch-chdb.sh and point it at the printed path.");
            }
            return fromEnvironment;
        }

        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = System.IO.Path.Combine(dir.FullName, ".tools", "chdb", "package", "libchdb.so");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new StorageException(
            $"chDB (libchdb.so) was not found: {LibraryPathVariable} is unset and no .tools/chdb/package/libchdb.so " +
            $"exists above '{AppContext.BaseDirectory}'. Run scripts/fetch-chdb.sh from the repository root " +
            $"(it downloads the pinned chDB build into .tools/chdb), or set {LibraryPathVariable} to a libchdb.so.");
    }

    public static string? ReadUtf8(byte* text) => text is null ? null : Marshal.PtrToStringUTF8((IntPtr)text);

    private static IntPtr Export(IntPtr library, string name)
    {
        if (!NativeLibrary.TryGetExport(library, name, out var address))
        {
            throw new StorageException($"The loaded libchdb.so does not export '{name}'; scripts/fetch-chdb.sh pins the chDB build this code is written against.");
        }
        return address;
    }
}
