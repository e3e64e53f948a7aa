using System.Globalization;

namespace ActorTracing.Integration.Tests;

/// <summary>
/// A node on the embedded engine lowers the priority of the engine's own merge threads
/// (storage.embedded-merge-thread-nice): real chDB threads of this process, read back from /proc.
/// </summary>
public sealed class MergeThreadNiceSpec
{
    [Fact]
    public async Task The_engine_merge_threads_of_a_running_node_get_the_configured_nice_value()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        var node = await EmbeddedNodeFixture.StartNodeAsync("it_merge_nice", "actortracing.storage.embedded-merge-thread-nice = 17");
        await using (node)
        {
            // The node looks for them at start and every few seconds; the guard only bounds a broken sweep.
            using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            IReadOnlyList<int> nices;
            while ((nices = MergeThreadNices()).Count == 0 || nices.Any(n => n != 17))
            {
                await Task.Delay(100, guard.Token);
            }
            Assert.All(nices, n => Assert.Equal(17, n));
        }
    }

    private static IReadOnlyList<int> MergeThreadNices()
    {
        var nices = new List<int>();
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n') != ActorTracing.Storage.ChdbEngine.MergeThreadName)
                {
                    continue;
                }
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                // Fields after the parenthesized name: state is field 3, nice is field 19.
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                nices.Add(int.Parse(fields[16], CultureInfo.InvariantCulture));
            }
            catch (IOException)
            {
                // the thread ended while we looked
            }
        }
        return nices;
    }
}
