namespace ActorTracing.Storage.Tests;

public sealed class RowBlocksSpec
{
    [Fact]
    public void A_range_keeps_its_bytes_while_later_traces_are_appended()
    {
        var blocks = new RowBlocks();
        var first = blocks.Append(Bytes(1000, seed: 1));
        var later = Enumerable.Range(0, 2000).Select(i => blocks.Append(Bytes(500, seed: i + 2))).ToArray();

        Assert.Equal(Bytes(1000, seed: 1), first.Span.ToArray());
        Assert.Equal(Bytes(500, seed: 1001), later[999].Span.ToArray());
    }

    [Fact]
    public void A_full_block_whose_ranges_were_all_written_is_reused_for_the_next_trace()
    {
        var blocks = new RowBlocks();
        var perBlock = RowBlocks.BlockBytes / 1024;
        var ranges = Enumerable.Range(0, perBlock).Select(i => blocks.Append(Bytes(1024, seed: i))).ToArray();
        foreach (var range in ranges)
        {
            blocks.Release(range);
        }

        // The next trace does not fit: the block is sealed, and as nothing in it waits any more it
        // is the one handed out again, no second block allocated.
        var next = blocks.Append(Bytes(1024, seed: 7));
        Assert.Equal(1, blocks.BlocksAllocated);
        Assert.Same(ranges[0].Block, next.Block);
        Assert.Equal(0, next.Offset);
        Assert.Equal(Bytes(1024, seed: 7), next.Span.ToArray());
    }

    [Fact]
    public void A_block_with_a_range_not_yet_written_is_not_reused()
    {
        var blocks = new RowBlocks();
        var perBlock = RowBlocks.BlockBytes / 1024;
        var held = blocks.Append(Bytes(1024, seed: 99));
        for (var round = 0; round < 3; round++)
        {
            foreach (var range in Enumerable.Range(0, perBlock).Select(i => blocks.Append(Bytes(1024, seed: i))).ToArray())
            {
                blocks.Release(range);
            }
        }

        Assert.Equal(Bytes(1024, seed: 99), held.Span.ToArray());
    }

    [Fact]
    public void A_trace_larger_than_a_block_gets_an_array_of_its_own()
    {
        var blocks = new RowBlocks();
        var big = Bytes(RowBlocks.BlockBytes + 1, seed: 3);
        var range = blocks.Append(big);

        Assert.Equal(big, range.Span.ToArray());
        Assert.False(range.Block!.Pooled);
        Assert.Equal(0, blocks.BlocksAllocated);
        blocks.Release(range);
    }

    [Fact]
    public async Task Ranges_released_on_other_threads_free_each_block_exactly_once()
    {
        // The writer's stream appends while batch writes release on pool threads.
        var blocks = new RowBlocks();
        var ranges = Enumerable.Range(0, 20_000).Select(i => blocks.Append(Bytes(300, seed: i))).ToArray();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = t; i < ranges.Length; i += 4)
            {
                Assert.Equal(Bytes(300, seed: i), ranges[i].Span.ToArray());
                blocks.Release(ranges[i]);
            }
        })));
        var allocated = blocks.BlocksAllocated;

        // Every full block came back once: as many appends again need no new block, and no block
        // is handed out twice (a double free would show as two live ranges sharing bytes).
        var again = Enumerable.Range(0, 20_000).Select(i => blocks.Append(Bytes(300, seed: i))).ToArray();
        Assert.True(blocks.BlocksAllocated <= allocated + 1, $"{blocks.BlocksAllocated} blocks after reuse, {allocated} before");
        for (var i = 0; i < again.Length; i++)
        {
            Assert.Equal(Bytes(300, seed: i), again[i].Span.ToArray());
        }
    }

    private static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
