using ActorTracing.Storage;

namespace ActorTracing.Query.Tests;

/// <summary>
/// The one embedded engine of the test process (chDB allows a single connection and data directory
/// per process). Spec classes join <see cref="ChdbCollection"/>, each with databases of its own,
/// and keep what they build once per run (fixture data, a running API) in <see cref="Shared{T}"/>.
/// </summary>
public sealed class ChdbFixture : IAsyncLifetime
{
    private static readonly string Root = Path.Combine(Path.GetTempPath(), "actortracing-query-tests");
    private readonly Dictionary<string, object> _shared = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _sharedLock = new(1, 1);

    public ChdbFixture()
    {
        RemoveStaleDirectories();
        DataDirectory = Path.Combine(Root, Guid.NewGuid().ToString("N"));
        Engine = ChdbEngine.Open(DataDirectory);
    }

    public string DataDirectory { get; }

    public ChdbEngine Engine { get; }

    /// <summary>A database name unique to one spec class and run.</summary>
    public static string UniqueDatabase(string prefix) => $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 60)];

    /// <summary>Builds a value once per test run (xunit creates a spec class per test).</summary>
    public async Task<T> Shared<T>(string key, Func<Task<T>> create)
        where T : class
    {
        await _sharedLock.WaitAsync();
        try
        {
            if (_shared.TryGetValue(key, out var existing))
            {
                return (T)existing;
            }
            var value = await create();
            _shared[key] = value;
            return value;
        }
        finally
        {
            _sharedLock.Release();
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var value in _shared.Values)
        {
            if (value is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }
        }
        _sharedLock.Dispose();
    }

    // The engine cannot be closed, so a run cannot delete its own directory; the next run does.
    private static void RemoveStaleDirectories()
    {
        if (!Directory.Exists(Root))
        {
            return;
        }
        foreach (var dir in new DirectoryInfo(Root).EnumerateDirectories())
        {
            if (dir.LastWriteTimeUtc < DateTime.UtcNow.AddHours(-1))
            {
                try
                {
                    dir.Delete(recursive: true);
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }
            }
        }
    }
}
