using System.Text;

namespace ActorTracing.Workload;

/// <summary>Receives the fields of a decoded header block, in order.</summary>
internal interface IHpackHeaderSink
{
    /// <summary>The spans are valid only during the call.</summary>
    void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value);
}

/// <summary>
/// HPACK (RFC 7541) header-block decoding for <see cref="H2cConnection"/>: static and dynamic
/// table, table size updates, Huffman-coded strings. One decoder per connection, since the
/// dynamic table is the connection's state; every header block the server sends must pass through
/// it in order, whichever stream it belongs to.
/// </summary>
/// <remarks>
/// The dynamic table lives in one byte array and a ring of entry positions, so a server that keeps
/// re-sending the same indexed fields (what Kestrel does for gRPC responses) costs no allocation.
/// </remarks>
internal sealed class HpackDecoder
{
    /// <summary>SETTINGS_HEADER_TABLE_SIZE's default, which the connection never changes.</summary>
    public const int DefaultMaxTableSize = 4096;

    /// <summary>The overhead RFC 7541 §4.1 adds to every entry's size.</summary>
    private const int EntryOverhead = 32;

    private static readonly (byte[] Name, byte[] Value)[] StaticTable = BuildStaticTable();

    private readonly int _maxAllowedTableSize;
    private readonly int _maxStringLength;

    // Entries occupy _bytes contiguously from the oldest entry's offset to _bytesEnd, oldest first:
    // eviction is FIFO, so compacting is one block copy. Live bytes stay below the table size and a
    // new entry is smaller than the table size, so twice the size always has room after compaction.
    private readonly byte[] _bytes;
    private readonly Entry[] _entries;
    private int _bytesEnd;
    private int _oldest;
    private int _count;
    private int _size;
    private int _maxTableSize;
    private byte[] _scratch = new byte[256];

    /// <param name="maxTableSize">The SETTINGS_HEADER_TABLE_SIZE this side announced; the encoder may choose less, never more.</param>
    /// <param name="maxStringLength">Longest name or value accepted, a bound on what a broken server can make us buffer.</param>
    public HpackDecoder(int maxTableSize = DefaultMaxTableSize, int maxStringLength = 1024 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxTableSize);
        _maxAllowedTableSize = maxTableSize;
        _maxTableSize = maxTableSize;
        _maxStringLength = maxStringLength;
        _bytes = new byte[2 * maxTableSize];
        _entries = new Entry[(maxTableSize / EntryOverhead) + 1];
    }

    /// <summary>The dynamic table's size in RFC 7541 terms (lengths plus 32 per entry).</summary>
    public int DynamicTableSize => _size;

    public int DynamicTableCount => _count;

    /// <summary>The limit the encoder last set with a size update.</summary>
    public int MaxDynamicTableSize => _maxTableSize;

    /// <summary>A dynamic entry by its position (1 = newest), for tests.</summary>
    internal (string Name, string Value) DynamicEntry(int position)
    {
        var entry = _entries[RingIndex(position - 1)];
        return (Encoding.Latin1.GetString(_bytes, entry.Offset, entry.NameLength),
            Encoding.Latin1.GetString(_bytes, entry.Offset + entry.NameLength, entry.ValueLength));
    }

    /// <summary>
    /// Decodes one complete header block (HEADERS plus its CONTINUATIONs), updating the dynamic
    /// table. Throws <see cref="Http2ProtocolException"/> (COMPRESSION_ERROR) on a malformed block,
    /// after which the connection cannot continue: the table is no longer in step with the server's.
    /// </summary>
    public void Decode(ReadOnlySpan<byte> block, IHpackHeaderSink sink)
    {
        var position = 0;
        var fieldSeen = false;
        while (position < block.Length)
        {
            var first = block[position];
            if ((first & 0x80) != 0)
            {
                // Indexed field (§6.1).
                var index = ReadInteger(block, ref position, 7);
                if (index == 0)
                {
                    throw Error("indexed field with index 0");
                }
                if (index <= StaticTable.Length)
                {
                    var (name, value) = StaticTable[index - 1];
                    sink.OnHeader(name, value);
                }
                else
                {
                    var entry = DynamicAt(index);
                    sink.OnHeader(_bytes.AsSpan(entry.Offset, entry.NameLength), _bytes.AsSpan(entry.Offset + entry.NameLength, entry.ValueLength));
                }
                fieldSeen = true;
            }
            else if ((first & 0xe0) == 0x20)
            {
                // Size update (§6.3): only before the block's first field (§4.2).
                if (fieldSeen)
                {
                    throw Error("dynamic table size update after a header field");
                }
                var size = ReadInteger(block, ref position, 5);
                if (size > _maxAllowedTableSize)
                {
                    throw Error($"dynamic table size update to {size} above the {_maxAllowedTableSize} allowed");
                }
                _maxTableSize = size;
                EvictTo(size);
            }
            else
            {
                // Literal with incremental indexing (01, §6.2.1), without indexing (0000, §6.2.2)
                // or never indexed (0001, §6.2.3); only the first changes the table.
                var indexing = (first & 0xc0) == 0x40;
                var nameIndex = ReadInteger(block, ref position, indexing ? 6 : 4);
                // Name and value are decoded into scratch before anything is inserted: an insert
                // may evict the very entry the name was taken from (§4.4).
                int nameLength;
                if (nameIndex == 0)
                {
                    nameLength = ReadString(block, ref position, 0);
                }
                else if (nameIndex <= StaticTable.Length)
                {
                    var name = StaticTable[nameIndex - 1].Name;
                    EnsureScratch(name.Length);
                    name.CopyTo(_scratch, 0);
                    nameLength = name.Length;
                }
                else
                {
                    var entry = DynamicAt(nameIndex);
                    EnsureScratch(entry.NameLength);
                    _bytes.AsSpan(entry.Offset, entry.NameLength).CopyTo(_scratch);
                    nameLength = entry.NameLength;
                }
                var valueLength = ReadString(block, ref position, nameLength);
                sink.OnHeader(_scratch.AsSpan(0, nameLength), _scratch.AsSpan(nameLength, valueLength));
                if (indexing)
                {
                    Insert(_scratch.AsSpan(0, nameLength), _scratch.AsSpan(nameLength, valueLength));
                }
                fieldSeen = true;
            }
        }
    }

    private static Http2ProtocolException Error(string message) =>
        new("HPACK: " + message, Http2ProtocolException.CompressionError);

    /// <summary>An integer with an N-bit prefix (§5.1), starting at the prefix byte.</summary>
    private static int ReadInteger(ReadOnlySpan<byte> block, ref int position, int prefixBits)
    {
        var mask = (1 << prefixBits) - 1;
        var value = block[position++] & mask;
        if (value < mask)
        {
            return value;
        }
        long total = value;
        var shift = 0;
        while (true)
        {
            if (position >= block.Length)
            {
                throw Error("integer runs past the end of the block");
            }
            var b = block[position++];
            total += (long)(b & 0x7f) << shift;
            if (total > int.MaxValue)
            {
                throw Error("integer overflows");
            }
            if ((b & 0x80) == 0)
            {
                return (int)total;
            }
            shift += 7;
        }
    }

    /// <summary>A string literal (§5.2) decoded into scratch at <paramref name="at"/>; returns its length.</summary>
    private int ReadString(ReadOnlySpan<byte> block, ref int position, int at)
    {
        if (position >= block.Length)
        {
            throw Error("string literal missing");
        }
        var huffman = (block[position] & 0x80) != 0;
        var length = ReadInteger(block, ref position, 7);
        if (length > block.Length - position)
        {
            throw Error("string literal runs past the end of the block");
        }
        var encoded = block.Slice(position, length);
        position += length;
        if (length > _maxStringLength)
        {
            throw Error($"string literal of {length} bytes exceeds {_maxStringLength}");
        }
        // The shortest Huffman code is 5 bits, so n bytes decode to at most 8n/5 octets.
        EnsureScratch(at + (huffman ? (int)(length * 8L / 5) : length));
        if (!huffman)
        {
            encoded.CopyTo(_scratch.AsSpan(at));
            return length;
        }
        return Huffman.Decode(encoded, _scratch.AsSpan(at));
    }

    private void EnsureScratch(int length)
    {
        if (_scratch.Length < length)
        {
            Array.Resize(ref _scratch, Math.Max(length, _scratch.Length * 2));
        }
    }

    private Entry DynamicAt(int index)
    {
        var position = index - StaticTable.Length - 1;
        if (position >= _count)
        {
            throw Error($"index {index} beyond the {StaticTable.Length} static and {_count} dynamic entries");
        }
        return _entries[RingIndex(position)];
    }

    /// <summary>The ring slot of the entry <paramref name="fromNewest"/> places older than the newest.</summary>
    private int RingIndex(int fromNewest) => (_oldest + _count - 1 - fromNewest) % _entries.Length;

    private void Insert(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        var size = name.Length + value.Length + EntryOverhead;
        if (size > _maxTableSize)
        {
            // Not an error: an entry larger than the table empties it (§4.4).
            EvictTo(0);
            return;
        }
        EvictTo(_maxTableSize - size);
        if (_bytesEnd + name.Length + value.Length > _bytes.Length)
        {
            var start = _count == 0 ? _bytesEnd : _entries[_oldest].Offset;
            Buffer.BlockCopy(_bytes, start, _bytes, 0, _bytesEnd - start);
            for (var i = 0; i < _count; i++)
            {
                _entries[(_oldest + i) % _entries.Length].Offset -= start;
            }
            _bytesEnd -= start;
        }
        name.CopyTo(_bytes.AsSpan(_bytesEnd));
        value.CopyTo(_bytes.AsSpan(_bytesEnd + name.Length));
        _entries[(_oldest + _count) % _entries.Length] = new Entry { Offset = _bytesEnd, NameLength = name.Length, ValueLength = value.Length };
        _bytesEnd += name.Length + value.Length;
        _count++;
        _size += size;
    }

    private void EvictTo(int size)
    {
        while (_size > size)
        {
            var entry = _entries[_oldest];
            _size -= entry.NameLength + entry.ValueLength + EntryOverhead;
            _oldest = (_oldest + 1) % _entries.Length;
            _count--;
        }
        if (_count == 0)
        {
            _bytesEnd = 0;
        }
    }

    private static (byte[] Name, byte[] Value)[] BuildStaticTable()
    {
        // RFC 7541 Appendix A, indices 1..61.
        string[] fields =
        [
            ":authority", "", ":method", "GET", ":method", "POST", ":path", "/", ":path", "/index.html",
            ":scheme", "http", ":scheme", "https", ":status", "200", ":status", "204", ":status", "206",
            ":status", "304", ":status", "400", ":status", "404", ":status", "500", "accept-charset", "",
            "accept-encoding", "gzip, deflate", "accept-language", "", "accept-ranges", "", "accept", "",
            "access-control-allow-origin", "", "age", "", "allow", "", "authorization", "", "cache-control", "",
            "content-disposition", "", "content-encoding", "", "content-language", "", "content-length", "",
            "content-location", "", "content-range", "", "content-type", "", "cookie", "", "date", "",
            "etag", "", "expect", "", "expires", "", "from", "", "host", "", "if-match", "",
            "if-modified-since", "", "if-none-match", "", "if-range", "", "if-unmodified-since", "",
            "last-modified", "", "link", "", "location", "", "max-forwards", "", "proxy-authenticate", "",
            "proxy-authorization", "", "range", "", "referer", "", "refresh", "", "retry-after", "",
            "server", "", "set-cookie", "", "strict-transport-security", "", "transfer-encoding", "",
            "user-agent", "", "vary", "", "via", "", "www-authenticate", "",
        ];
        var table = new (byte[], byte[])[fields.Length / 2];
        for (var i = 0; i < table.Length; i++)
        {
            table[i] = (Encoding.ASCII.GetBytes(fields[2 * i]), Encoding.ASCII.GetBytes(fields[(2 * i) + 1]));
        }
        return table;
    }

    private struct Entry
    {
        public int Offset;
        public int NameLength;
        public int ValueLength;
    }

    /// <summary>
    /// The Huffman code of RFC 7541 Appendix B. It is canonical (codes of one length are
    /// consecutive, ordered by symbol, shorter lengths first), so the code lengths alone define it
    /// and a decoder needs, per length, only the first code and where its symbols start.
    /// </summary>
    internal static class Huffman
    {
        private const int Eos = 256;
        private const int MaxLength = 30;

        /// <summary>Code length in bits of each symbol 0..255 and EOS (256), from Appendix B.</summary>
        internal static ReadOnlySpan<byte> Lengths =>
        [
            13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28,
            28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
            6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,
            5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
            13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
            7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
            15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,
            6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
            20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23,
            24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
            22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23,
            21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
            26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25,
            19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
            20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23,
            26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
            30,
        ];

        // Per code length: the first code, the index in Symbols of its symbol, and the first code
        // of the next length, left-aligned to 32 bits (the bound the decoder compares against).
        private static readonly uint[] FirstCode = new uint[MaxLength + 1];
        private static readonly int[] FirstSymbol = new int[MaxLength + 1];
        private static readonly ulong[] Limit = new ulong[MaxLength + 1];
        private static readonly short[] Symbols = BuildTables();

        /// <summary>The code of <paramref name="symbol"/> as RFC 7541 Appendix B lists it ("code as hex"), for tests.</summary>
        internal static (uint Code, int Length) CodeOf(int symbol)
        {
            var length = Lengths[symbol];
            var rank = Array.IndexOf(Symbols, (short)symbol) - FirstSymbol[length];
            return (FirstCode[length] + (uint)rank, length);
        }

        /// <summary>Decodes into <paramref name="output"/> (at least 8/5 of the input long); returns the length.</summary>
        public static int Decode(ReadOnlySpan<byte> input, Span<byte> output)
        {
            ulong bits = 0;
            var count = 0;
            var read = 0;
            var written = 0;
            while (true)
            {
                while (count <= 56 && read < input.Length)
                {
                    bits = (bits << 8) | input[read++];
                    count += 8;
                }
                if (count == 0)
                {
                    return written;
                }
                if (count < 8 && read == input.Length && bits == (1UL << count) - 1)
                {
                    // Padding: fewer than 8 bits, all ones (the start of EOS), §5.2.
                    return written;
                }
                // The next 32 bits, padded with ones past the end: a code too long for what is
                // left then reads as one longer than the remaining bits.
                var window = count >= 32
                    ? (bits >> (count - 32)) & 0xffff_ffff
                    : ((bits << (32 - count)) | ((1UL << (32 - count)) - 1)) & 0xffff_ffff;
                var length = 5;
                while (window >= Limit[length])
                {
                    length++;
                }
                if (length > count)
                {
                    throw new Http2ProtocolException("HPACK: Huffman string ends inside a code or with padding that is not a prefix of EOS", Http2ProtocolException.CompressionError);
                }
                var symbol = Symbols[FirstSymbol[length] + (int)((window >> (32 - length)) - FirstCode[length])];
                if (symbol == Eos)
                {
                    throw new Http2ProtocolException("HPACK: Huffman string contains EOS", Http2ProtocolException.CompressionError);
                }
                output[written++] = (byte)symbol;
                count -= length;
                bits &= (1UL << count) - 1;
            }
        }

        private static short[] BuildTables()
        {
            var lengths = Lengths;
            var symbols = new short[lengths.Length];
            var perLength = new int[MaxLength + 1];
            foreach (var length in lengths)
            {
                perLength[length]++;
            }
            uint code = 0;
            var index = 0;
            for (var length = 1; length <= MaxLength; length++)
            {
                FirstCode[length] = code;
                FirstSymbol[length] = index;
                for (short symbol = 0; symbol < lengths.Length; symbol++)
                {
                    if (lengths[symbol] == length)
                    {
                        symbols[index++] = symbol;
                    }
                }
                Limit[length] = (ulong)(code + (uint)perLength[length]) << (32 - length);
                code = (code + (uint)perLength[length]) << 1;
            }
            return symbols;
        }
    }
}
