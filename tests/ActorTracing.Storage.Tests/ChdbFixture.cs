namespace ActorTracing.Storage.Tests;

/// <summary>
/// The one embedded engine of the test process: chDB allows a single connection (and data
/// directory) per process, so every spec that needs it joins <see cref="ChdbCollection"/> and
/// uses a database of its own. The engine is never closed (chDB crashes closing MergeTree tables).
/// </summary>
public sealed class ChdbFixture
{
    private static readonly string Root = Path.Combine(Path.GetTempPath(), "actortracing-storage-tests");

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
