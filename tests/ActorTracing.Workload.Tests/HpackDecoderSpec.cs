using System.Text;
using ActorTracing.Workload;

namespace ActorTracing.Workload.Tests;

/// <summary>
/// The blocking gRPC transport's HPACK decoder against the examples of RFC 7541 Appendix C, each a
/// sequence of header blocks on one connection, so the dynamic table carries from one to the next.
/// </summary>
public sealed class HpackDecoderSpec
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", string.Empty, StringComparison.Ordinal));

    private static List<(string Name, string Value)> Decode(HpackDecoder decoder, string hex)
    {
        var sink = new ListSink();
        decoder.Decode(Hex(hex), sink);
        return sink.Headers;
    }

    private static void AssertTable(HpackDecoder decoder, int size, params (string Name, string Value)[] newestFirst)
    {
        Assert.Equal(newestFirst.Length, decoder.DynamicTableCount);
        Assert.Equal(size, decoder.DynamicTableSize);
        for (var i = 0; i < newestFirst.Length; i++)
        {
            Assert.Equal(newestFirst[i], decoder.DynamicEntry(i + 1));
        }
    }

    // C.3 and C.4 decode to the same three requests; C.4 has its strings Huffman-coded.
    private static void AssertRequests(string first, string second, string third)
    {
        var decoder = new HpackDecoder();

        Assert.Equal([(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com")], Decode(decoder, first));
        AssertTable(decoder, 57, (":authority", "www.example.com"));

        Assert.Equal([(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com"), ("cache-control", "no-cache")], Decode(decoder, second));
        AssertTable(decoder, 110, ("cache-control", "no-cache"), (":authority", "www.example.com"));

        Assert.Equal([(":method", "GET"), (":scheme", "https"), (":path", "/index.html"), (":authority", "www.example.com"), ("custom-key", "custom-value")], Decode(decoder, third));
        AssertTable(decoder, 164, ("custom-key", "custom-value"), ("cache-control", "no-cache"), (":authority", "www.example.com"));
    }

    // C.5 and C.6 decode to the same three responses with a 256-byte table, which forces evictions.
    private static void AssertResponses(string first, string second, string third)
    {
        var decoder = new HpackDecoder();
        var date21 = "Mon, 21 Oct 2013 20:13:21 GMT";
        var date22 = "Mon, 21 Oct 2013 20:13:22 GMT";
        var location = "https://www.example.com";
        // The examples assume SETTINGS_HEADER_TABLE_SIZE 256; a size update says the same thing.
        decoder.Decode(Hex("3fe1 01"), new ListSink());
        Assert.Equal(256, decoder.MaxDynamicTableSize);

        Assert.Equal([(":status", "302"), ("cache-control", "private"), ("date", date21), ("location", location)], Decode(decoder, first));
        AssertTable(decoder, 222, ("location", location), ("date", date21), ("cache-control", "private"), (":status", "302"));

        Assert.Equal([(":status", "307"), ("cache-control", "private"), ("date", date21), ("location", location)], Decode(decoder, second));
        AssertTable(decoder, 222, (":status", "307"), ("location", location), ("date", date21), ("cache-control", "private"));

        var cookie = "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1";
        Assert.Equal([(":status", "200"), ("cache-control", "private"), ("date", date22), ("location", location), ("content-encoding", "gzip"), ("set-cookie", cookie)], Decode(decoder, third));
        AssertTable(decoder, 215, ("set-cookie", cookie), ("content-encoding", "gzip"), ("date", date22));
    }

    [Fact]
    public void Decodes_the_request_examples_without_Huffman_coding_of_RFC_7541_C_3() => AssertRequests(
        "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
        "8286 84be 5808 6e6f 2d63 6163 6865",
        "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65");

    [Fact]
    public void Decodes_the_request_examples_with_Huffman_coding_of_RFC_7541_C_4() => AssertRequests(
        "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
        "8286 84be 5886 a8eb 1064 9cbf",
        "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf");

    [Fact]
    public void Decodes_the_response_examples_without_Huffman_coding_evicting_as_RFC_7541_C_5_does() => AssertResponses(
        "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
        "4803 3330 37c1 c0bf",
        "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31");

    [Fact]
    public void Decodes_the_response_examples_with_Huffman_coding_evicting_as_RFC_7541_C_6_does() => AssertResponses(
        "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3",
        "4883 640e ffc1 c0bf",
        "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07");

    [Theory]
    [InlineData(0, 0x1ff8u, 13)]
    [InlineData(9, 0xffffeau, 24)]
    [InlineData(10, 0x3ffffffcu, 30)]
    [InlineData(' ', 0x14u, 6)]
    [InlineData('0', 0x0u, 5)]
    [InlineData('a', 0x3u, 5)]
    [InlineData('\\', 0x7fff0u, 19)]
    [InlineData(200, 0x3ffffe2u, 26)]
    [InlineData(255, 0x3ffffeeu, 26)]
    [InlineData(256, 0x3fffffffu, 30)]
    public void The_Huffman_code_built_from_the_code_lengths_is_the_one_of_RFC_7541_Appendix_B(int symbol, uint code, int length)
    {
        Assert.Equal((code, length), HpackDecoder.Huffman.CodeOf(symbol));
    }

    [Fact]
    public void Every_byte_value_round_trips_through_the_Huffman_code()
    {
        // Encoded here with the code table itself: all 256 symbols, padded with ones.
        var bits = new StringBuilder();
        for (var symbol = 0; symbol < 256; symbol++)
        {
            var (code, length) = HpackDecoder.Huffman.CodeOf(symbol);
            bits.Append(Convert.ToString(code, 2).PadLeft(length, '0'));
        }
        bits.Append('1', (8 - (bits.Length % 8)) % 8);
        var encoded = Enumerable.Range(0, bits.Length / 8).Select(i => Convert.ToByte(bits.ToString(i * 8, 8), 2)).ToArray();
        var output = new byte[encoded.Length * 8 / 5];

        var written = HpackDecoder.Huffman.Decode(encoded, output);

        Assert.Equal(Enumerable.Range(0, 256).Select(i => (byte)i), output[..written]);
    }

    [Fact]
    public void Indexed_fields_and_indexed_names_resolve_through_the_static_table()
    {
        // :authority (1) by index, then a literal without indexing named by static index 31.
        var headers = Decode(new HpackDecoder(), "81 0f10 1061 7070 6c69 6361 7469 6f6e 2f67 7270 63");

        Assert.Equal([(":authority", string.Empty), ("content-type", "application/grpc")], headers);
    }

    [Theory]
    [InlineData("80")] // indexed field 0
    [InlineData("be")] // dynamic index 62 on an empty table
    [InlineData("3fe2 1f")] // size update to 4097, above SETTINGS_HEADER_TABLE_SIZE
    [InlineData("82 20")] // size update after a field
    [InlineData("0001 61")] // literal without indexing, name of length 1 but no value
    [InlineData("0081 ff")] // Huffman name of one byte: eight 1 bits are not a code, and padding must stay under 8 bits
    [InlineData("0081 00")] // Huffman '0' (00000) followed by padding 000, not a prefix of EOS
    [InlineData("0084 ffff ffff")] // Huffman EOS (30 ones) spelled out
    [InlineData("ff80 8080 8080 08")] // integer overflow
    public void Malformed_blocks_are_compression_errors(string hex)
    {
        var error = Assert.Throws<Http2ProtocolException>(() => Decode(new HpackDecoder(), hex));

        Assert.Equal(Http2ProtocolException.CompressionError, error.ErrorCode);
    }

    [Fact]
    public void An_entry_larger_than_the_table_empties_it_without_being_added()
    {
        var decoder = new HpackDecoder(maxTableSize: 64);
        Decode(decoder, "4003 6162 6303 7879 7a"); // abc: xyz, 38 bytes
        Assert.Equal(1, decoder.DynamicTableCount);

        var headers = Decode(decoder, "4003 6465 661e " + string.Concat(Enumerable.Repeat("41", 30))); // def: 30 x 'A', 68 bytes

        Assert.Equal([("def", new string('A', 30))], headers);
        Assert.Equal(0, decoder.DynamicTableCount);
        Assert.Equal(0, decoder.DynamicTableSize);
    }

    [Fact]
    public void A_name_taken_from_the_entry_its_own_insertion_evicts_is_kept_intact()
    {
        // RFC 7541 §4.4: the referenced entry may be evicted while the new one is added.
        var decoder = new HpackDecoder(maxTableSize: 80);
        Decode(decoder, "400a 6c6f 6e67 2d6e 616d 6531 0131"); // long-name1: 1, 43 bytes

        var headers = Decode(decoder, "7e03 3232 32"); // indexed name 62 (long-name1), value 222: 45 bytes, evicts 62

        Assert.Equal([("long-name1", "222")], headers);
        Assert.Equal(("long-name1", "222"), decoder.DynamicEntry(1));
        Assert.Equal(1, decoder.DynamicTableCount);
    }

    [Fact]
    public void The_dynamic_table_keeps_its_entries_through_many_insertions_and_compactions()
    {
        var decoder = new HpackDecoder();
        for (var i = 0; i < 2_000; i++)
        {
            var value = i.ToString("D" + (1 + (i % 50)), System.Globalization.CultureInfo.InvariantCulture);
            var block = new List<byte> { 0x40, 0x01, (byte)'k', (byte)value.Length };
            block.AddRange(Encoding.ASCII.GetBytes(value));
            block.Add(0xbe); // the entry just added, by index 62
            var sink = new ListSink();

            decoder.Decode(block.ToArray(), sink);

            Assert.Equal([("k", value), ("k", value)], sink.Headers);
            Assert.True(decoder.DynamicTableSize <= HpackDecoder.DefaultMaxTableSize);
        }
    }

    [Fact]
    public void Random_bytes_either_decode_or_fail_as_compression_errors()
    {
        var random = new Random(7541);
        for (var i = 0; i < 20_000; i++)
        {
            var block = new byte[random.Next(1, 40)];
            random.NextBytes(block);
            var decoder = new HpackDecoder();
            try
            {
                decoder.Decode(block, new ListSink());
            }
            catch (Http2ProtocolException ex)
            {
                Assert.Equal(Http2ProtocolException.CompressionError, ex.ErrorCode);
            }
            Assert.True(decoder.DynamicTableSize <= HpackDecoder.DefaultMaxTableSize);
        }
    }

    private sealed class ListSink : IHpackHeaderSink
    {
        public List<(string Name, string Value)> Headers { get; } = [];

        public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) =>
            Headers.Add((Encoding.Latin1.GetString(name), Encoding.Latin1.GetString(value)));
    }
}
