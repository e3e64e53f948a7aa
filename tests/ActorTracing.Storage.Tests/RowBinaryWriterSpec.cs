namespace ActorTracing.Storage.Tests;

public sealed class RowBinaryWriterSpec
{
    [Theory]
    [InlineData(0UL, new byte[] { 0x00 })]
    [InlineData(127UL, new byte[] { 0x7F })]
    [InlineData(128UL, new byte[] { 0x80, 0x01 })]
    [InlineData(300UL, new byte[] { 0xAC, 0x02 })]
    [InlineData(ulong.MaxValue, new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 })]
    public void Lengths_are_written_as_LEB128(ulong value, byte[] expected)
    {
        var writer = new RowBinaryWriter();
        writer.WriteVarUInt(value);
        Assert.Equal(expected, writer.WrittenMemory.ToArray());
    }

    [Fact]
    public void Numbers_are_little_endian_and_strings_are_length_prefixed_utf8()
    {
        var writer = new RowBinaryWriter();
        writer.WriteUInt32(0x01020304);
        writer.WriteString("é");
        writer.WriteHexString([0xAB, 0x01]);
        Assert.Equal(new byte[] { 0x04, 0x03, 0x02, 0x01, 0x02, 0xC3, 0xA9, 0x04, (byte)'a', (byte)'b', (byte)'0', (byte)'1' }, writer.WrittenMemory.ToArray());
    }

    [Fact]
    public void Reset_keeps_the_buffer_but_forgets_the_bytes()
    {
        var writer = new RowBinaryWriter(16);
        writer.WriteString(new string('x', 1000));
        writer.Reset();
        writer.WriteUInt8(7);
        Assert.Equal(new byte[] { 7 }, writer.WrittenMemory.ToArray());
    }
}
