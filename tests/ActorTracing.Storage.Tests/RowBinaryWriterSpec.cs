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

    [Fact]
    public void Utf8_bytes_and_formatted_numbers_are_written_as_the_strings_they_read_as()
    {
        var direct = new RowBinaryWriter();
        direct.WriteUtf8("é"u8);
        direct.WriteFormatted(-42L);
        direct.WriteFormatted(0.1, "R");
        direct.WriteFormatted(1e300, "R");

        var viaStrings = new RowBinaryWriter();
        viaStrings.WriteString("é");
        viaStrings.WriteString((-42L).ToString(System.Globalization.CultureInfo.InvariantCulture));
        viaStrings.WriteString(0.1.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        viaStrings.WriteString(1e300.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(viaStrings.WrittenMemory.ToArray(), direct.WrittenMemory.ToArray());
    }

    [Fact]
    public void Truncate_keeps_the_first_bytes_and_writing_goes_on_after_them()
    {
        var writer = new RowBinaryWriter(initialCapacity: 4);
        writer.WriteString("keep");
        var mark = writer.WrittenCount;
        writer.WriteString("a half-written row that grew the buffer");

        writer.Truncate(mark);
        writer.WriteString("next");

        var expected = new RowBinaryWriter();
        expected.WriteString("keep");
        expected.WriteString("next");
        Assert.Equal(expected.WrittenMemory.ToArray(), writer.WrittenMemory.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Truncate(writer.WrittenCount + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Truncate(-1));
    }
}
