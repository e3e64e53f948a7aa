using ActorTracing.Domain.Wire;

namespace ActorTracing.Domain.Tests.Wire;

public sealed class ProtoReaderSpec
{
    [Fact]
    public void A_tag_whose_field_number_exceeds_the_protobuf_maximum_is_rejected_not_wrapped()
    {
        // Tag varint (2^32 + 1) << 3 | 2 would wrap to field 1 if cast to int unchecked.
        var writer = new ProtoWriter();
        writer.WriteVarint((((1UL << 32) + 1) << 3) | 2);
        writer.WriteVarint(0);

        var error = Assert.Throws<ProtoFormatException>(() =>
        {
            var reader = new ProtoReader(writer.WrittenSpan);
            reader.TryReadTag(out _, out _);
        });
        Assert.Contains("invalid field number 4294967297", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_largest_legal_field_number_is_read()
    {
        var writer = new ProtoWriter();
        writer.WriteVarintField(ProtoReader.MaxFieldNumber, 1);

        var reader = new ProtoReader(writer.WrittenSpan);
        Assert.True(reader.TryReadTag(out var field, out _));
        Assert.Equal(ProtoReader.MaxFieldNumber, field);
    }
}
