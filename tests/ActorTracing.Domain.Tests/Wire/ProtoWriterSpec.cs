using ActorTracing.Domain.Wire;

namespace ActorTracing.Domain.Tests.Wire;

public sealed class ProtoWriterSpec
{
    [Theory]
    [InlineData(0UL)]
    [InlineData(1UL)]
    [InlineData(127UL)]
    [InlineData(128UL)]
    [InlineData(16_383UL)]
    [InlineData(16_384UL)]
    [InlineData(uint.MaxValue)]
    [InlineData(ulong.MaxValue)]
    public void Varints_read_back_as_written(ulong value)
    {
        var writer = new ProtoWriter(1);
        writer.WriteVarintField(1, value);

        var reader = new ProtoReader(writer.WrittenSpan);
        Assert.True(reader.TryReadTag(out var field, out var wireType));
        Assert.Equal((1, WireType.Varint), (field, wireType));
        Assert.Equal(value, reader.ReadVarint());
        Assert.True(reader.End);
        Assert.Equal(ProtoWriter.VarintSize(value) + 1, writer.Length);
    }

    [Fact]
    public void Negative_int64_takes_ten_bytes_like_protobuf()
    {
        var writer = new ProtoWriter();
        writer.WriteInt64Field(3, -1);

        Assert.Equal(11, writer.Length);
        var reader = new ProtoReader(writer.WrittenSpan);
        reader.TryReadTag(out _, out _);
        Assert.Equal(-1L, unchecked((long)reader.ReadVarint()));
    }

    [Fact]
    public void Fixed_width_and_string_fields_read_back_as_written()
    {
        var writer = new ProtoWriter(2);
        writer.WriteFixed32Field(16, 0xDEADBEEF);
        writer.WriteFixed64Field(7, 0x0102030405060708);
        writer.WriteDoubleField(4, -0.125);
        writer.WriteStringField(5, "größe ✓");
        writer.WriteBoolField(2, true);

        var reader = new ProtoReader(writer.WrittenSpan);
        reader.TryReadTag(out var f, out var w);
        Assert.Equal((16, WireType.Fixed32), (f, w));
        Assert.Equal(0xDEADBEEF, reader.ReadFixed32());
        reader.TryReadTag(out f, out w);
        Assert.Equal((7, WireType.Fixed64), (f, w));
        Assert.Equal(0x0102030405060708UL, reader.ReadFixed64());
        reader.TryReadTag(out _, out _);
        Assert.Equal(-0.125, reader.ReadDouble());
        reader.TryReadTag(out _, out _);
        Assert.Equal("größe ✓", reader.ReadString());
        reader.TryReadTag(out _, out _);
        Assert.Equal(1UL, reader.ReadVarint());
        Assert.True(reader.End);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(127)]
    [InlineData(128)]
    [InlineData(16_383)]
    [InlineData(16_384)]
    [InlineData(3_000_000)]
    public void Nested_messages_of_any_size_get_a_minimal_correct_length_prefix(int payloadLength)
    {
        var payload = Enumerable.Range(0, payloadLength).Select(i => (byte)i).ToArray();
        var writer = new ProtoWriter(8);
        writer.WriteVarintField(1, 42);
        var bookmark = writer.BeginMessage(2);
        writer.WriteRaw(payload);
        writer.EndMessage(bookmark);
        writer.WriteVarintField(3, 7);

        var reader = new ProtoReader(writer.WrittenSpan);
        reader.TryReadTag(out _, out _);
        Assert.Equal(42UL, reader.ReadVarint());
        reader.TryReadTag(out var field, out var wireType);
        Assert.Equal((2, WireType.LengthDelimited), (field, wireType));
        Assert.Equal(payload, reader.ReadLengthDelimited().ToArray());
        reader.TryReadTag(out _, out _);
        Assert.Equal(7UL, reader.ReadVarint());
        Assert.True(reader.End);
        // tag + varint(42) + tag + length prefix + payload + tag + varint(7): no padding bytes.
        Assert.Equal(2 + 1 + ProtoWriter.VarintSize((ulong)payloadLength) + payloadLength + 2, writer.Length);
    }

    [Fact]
    public void Nested_messages_inside_nested_messages_keep_outer_lengths_right()
    {
        var writer = new ProtoWriter();
        var outer = writer.BeginMessage(1);
        var inner = writer.BeginMessage(2);
        writer.WriteRaw(new byte[20_000]);
        writer.EndMessage(inner);
        writer.WriteVarintField(3, 1);
        writer.EndMessage(outer);

        var reader = new ProtoReader(writer.WrittenSpan);
        reader.TryReadTag(out _, out _);
        var outerReader = new ProtoReader(reader.ReadLengthDelimited());
        Assert.True(reader.End);
        outerReader.TryReadTag(out _, out _);
        Assert.Equal(20_000, outerReader.ReadLengthDelimited().Length);
        outerReader.TryReadTag(out var field, out _);
        Assert.Equal(3, field);
    }

    [Fact]
    public void Reset_reuses_the_buffer_without_allocating()
    {
        var writer = new ProtoWriter(1024);
        writer.WriteStringField(1, "warm");
        writer.Reset();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            writer.Reset();
            var bookmark = writer.BeginMessage(1);
            writer.WriteStringField(1, "service.name");
            writer.WriteFixed64Field(7, (ulong)i);
            writer.EndMessage(bookmark);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(1 + 1 + 14 + 9, writer.Length);
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(127UL)]
    [InlineData(128UL)]
    [InlineData(300UL)]
    [InlineData(ulong.MaxValue)]
    public void A_varint_written_into_a_span_is_the_one_the_writer_writes(ulong value)
    {
        var writer = new ProtoWriter();
        writer.WriteVarint(value);
        var span = new byte[10];

        var length = ProtoWriter.WriteVarint(span, value);

        Assert.Equal(writer.WrittenSpan.ToArray(), span[..length]);
        Assert.Equal(ProtoWriter.VarintSize(value), length);
    }
}
