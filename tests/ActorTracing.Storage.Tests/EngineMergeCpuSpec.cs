using ActorTracing.Storage;

namespace ActorTracing.Storage.Tests;

/// <summary>
/// The node's <c>actortracing_storage_embedded_merge_cpu_seconds_total</c> and the bench's merge
/// share read the engine's own merge threads. Against the real engine: parts left to merge are
/// merged in the background, on those threads, and the reading grows by what that took. The wait
/// is real time, as the merges are the engine's (bounded; a merge is picked within seconds).
/// </summary>
[Collection(ChdbCollection.Name)]
public sealed class EngineMergeCpuSpec(ChdbFixture chdb)
{
    [Fact]
    public async Task Background_merges_of_the_engine_show_in_its_merge_cpu_reading()
    {
        var database = ChdbFixture.UniqueDatabase("merge_cpu");
        chdb.Engine.Execute($"CREATE DATABASE IF NOT EXISTS {database}");
        chdb.Engine.Execute($"CREATE TABLE {database}.parts (k UInt64, v String) ENGINE = MergeTree ORDER BY k");
        var before = ChdbEngine.MergeCpuSeconds();

        // Parts of random strings: merging them costs the merge threads measurable CPU (the
        // kernel counts it in 10 ms ticks).
        for (var part = 0; part < 8; part++)
        {
            chdb.Engine.Execute($"INSERT INTO {database}.parts SELECT number, randomPrintableASCII(64) FROM numbers({part * 200_000}, 200000)");
        }

        string ActiveParts() => chdb.Engine.Query($"SELECT count() FROM system.parts WHERE active AND database = '{database}' AND table = 'parts'").Trim();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while ((ActiveParts() == "8" || ChdbEngine.MergeCpuSeconds() <= before) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }

        Assert.NotEqual("8", ActiveParts());
        Assert.True(ChdbEngine.MergeCpuSeconds() > before, $"parts were merged, but no merge CPU was read (before {before} s)");
    }
}
