using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace ActorTracing.Ingest.Wal;

/// <summary>
/// One file of the <see cref="IngestLog"/> and its confirmations beside it.
/// <para>
/// Data file <c>NNNNNNNNNNNN.wal</c>: an 8-byte magic with the format version, the region the
/// requests were received in (u16 length, UTF-8), then records — u32 body length, u32 CRC-32 of
/// the body, the body (one ExportTraceServiceRequest in protobuf, as decoded) — little-endian.
/// A record is the <c>n</c>-th of its segment; it is never rewritten.
/// </para>
/// <para>
/// Confirmations file <c>NNNNNNNNNNNN.done</c>: the u32 index of each record whose traces were
/// all decided (and, when kept, written), in the order the confirmations came. A segment that is
/// closed for appends and has every record confirmed is deleted with its confirmations.
/// </para>
/// </summary>
public sealed class IngestLogSegment
{
    internal const string DataExtension = ".wal";
    internal const string DoneExtension = ".done";
    internal const int RecordHeaderBytes = 8;
    internal const int DoneEntryBytes = 4;
    private static ReadOnlySpan<byte> Magic => "ATWAL\0\0\u0001"u8;

    private readonly IngestLog _log;
    private readonly object _sync = new();
    private readonly SafeFileHandle? _data;
    private readonly SafeFileHandle _done;
    private readonly byte[] _header = new byte[RecordHeaderBytes];
    private readonly byte[] _doneEntry = new byte[DoneEntryBytes];
    private long _length;
    private long _doneLength;
    private int _records;
    private int _pending;
    private bool _closedForAppends;
    // Deleted, or closed with the log: no more writes either way.
    private bool _finished;
    private int _dirty;

    private readonly string _dataPath;
    private SafeFileHandle? _reader;

    private IngestLogSegment(IngestLog log, long id, string region, string dataPath, SafeFileHandle? data, SafeFileHandle done, long length, long doneLength)
    {
        _log = log;
        _dataPath = dataPath;
        Id = id;
        Region = region;
        _data = data;
        _done = done;
        _length = length;
        _doneLength = doneLength;
        _closedForAppends = data is null;
    }

    public long Id { get; }

    /// <summary>The region the segment's requests were received in: the decoder's default when they are read again.</summary>
    public string Region { get; }

    /// <summary>Bytes of the data file and its confirmations.</summary>
    public long Bytes => Interlocked.Read(ref _length) + Interlocked.Read(ref _doneLength);

    internal static string FileName(long id, string extension) => id.ToString("D12", System.Globalization.CultureInfo.InvariantCulture) + extension;

    /// <summary>A new, empty segment for appends.</summary>
    internal static IngestLogSegment Create(IngestLog log, string directory, long id, string region)
    {
        var regionBytes = Encoding.UTF8.GetBytes(region);
        var header = new byte[Magic.Length + 2 + regionBytes.Length];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(Magic.Length), checked((ushort)regionBytes.Length));
        regionBytes.CopyTo(header, Magic.Length + 2);
        var dataPath = Path.Combine(directory, FileName(id, DataExtension));
        var data = File.OpenHandle(dataPath, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        SafeFileHandle? done = null;
        try
        {
            RandomAccess.Write(data, header, 0);
            done = File.OpenHandle(Path.Combine(directory, FileName(id, DoneExtension)), FileMode.CreateNew, FileAccess.Write, FileShare.Read);
            return new IngestLogSegment(log, id, region, dataPath, data, done, header.Length, 0) { _dirty = 1 };
        }
        catch
        {
            data.Dispose();
            done?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A segment an earlier run left: where its records not confirmed yet are. The file is read
    /// through once, one record at a time (every checksum checked), and no body is kept: a node
    /// that crashed under load may leave gigabytes, which the replay reads back as it submits
    /// them. A record cut short or failing its checksum ends the readable part (the process or
    /// machine stopped while writing it, so its client got no answer and sends it again);
    /// <paramref name="dropped"/> says how many bytes were past it.
    /// </summary>
    internal static IngestLogSegment Recover(IngestLog log, string directory, long id, out IReadOnlyList<IngestLogEntry> unconfirmed, out long dropped)
    {
        var dataPath = Path.Combine(directory, FileName(id, DataExtension));
        var donePath = Path.Combine(directory, FileName(id, DoneExtension));
        var records = new List<(int Index, long Offset, int Length)>();
        string region;
        long fileLength;
        using (var data = File.OpenHandle(dataPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            fileLength = RandomAccess.GetLength(data);
            region = ReadHeader(data, fileLength, dataPath, out var offset);
            var header = new byte[RecordHeaderBytes];
            var body = ArrayPool<byte>.Shared.Rent(64 * 1024);
            try
            {
                while (fileLength - offset >= RecordHeaderBytes && RandomAccess.Read(data, header, offset) == RecordHeaderBytes)
                {
                    var length = BinaryPrimitives.ReadUInt32LittleEndian(header);
                    var crc = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4));
                    if (length > fileLength - offset - RecordHeaderBytes)
                    {
                        break;
                    }
                    if (body.Length < length)
                    {
                        ArrayPool<byte>.Shared.Return(body);
                        body = ArrayPool<byte>.Shared.Rent((int)length);
                    }
                    var span = body.AsSpan(0, (int)length);
                    if (RandomAccess.Read(data, span, offset + RecordHeaderBytes) != length || Crc32.HashToUInt32(span) != crc)
                    {
                        break;
                    }
                    records.Add((records.Count, offset + RecordHeaderBytes, (int)length));
                    offset += RecordHeaderBytes + length;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(body);
            }
            dropped = fileLength - offset;
        }

        // A confirmation cut short by a crash is not one: whole entries only, and the next is written over it.
        var confirmed = new HashSet<int>();
        var done = File.OpenHandle(donePath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        long doneLength;
        try
        {
            doneLength = RandomAccess.GetLength(done) / DoneEntryBytes * DoneEntryBytes;
            var entries = new byte[doneLength];
            RandomAccess.Read(done, entries, 0);
            for (var i = 0; i < entries.Length; i += DoneEntryBytes)
            {
                confirmed.Add((int)BinaryPrimitives.ReadUInt32LittleEndian(entries.AsSpan(i)));
            }
        }
        catch
        {
            done.Dispose();
            throw;
        }
        var segment = new IngestLogSegment(log, id, region, dataPath, data: null, done, fileLength, doneLength) { _records = records.Count };
        var left = records.Where(r => !confirmed.Contains(r.Index)).Select(r => new IngestLogEntry(segment, r.Index, r.Offset, r.Length)).ToArray();
        segment._pending = left.Length;
        unconfirmed = left;
        return segment;
    }

    private static string ReadHeader(SafeFileHandle data, long fileLength, string path, out long offset)
    {
        var fixedPart = new byte[Magic.Length + 2];
        if (fileLength < fixedPart.Length || RandomAccess.Read(data, fixedPart, 0) != fixedPart.Length || !fixedPart.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            // Created but never written (a crash between open and the header's write): nothing in it.
            offset = fileLength;
            return fileLength == 0 ? string.Empty : throw new InvalidDataException($"{path} is not an ingest write-ahead log segment of this version (bad magic)");
        }
        var regionLength = BinaryPrimitives.ReadUInt16LittleEndian(fixedPart.AsSpan(Magic.Length));
        offset = fixedPart.Length + regionLength;
        if (offset > fileLength)
        {
            throw new InvalidDataException($"{path}: header cut short");
        }
        var region = new byte[regionLength];
        RandomAccess.Read(data, region, fixedPart.Length);
        return Encoding.UTF8.GetString(region);
    }

    /// <summary>Whether a record of <paramref name="bodyBytes"/> still fits under <paramref name="segmentBytes"/> (an empty segment takes any one).</summary>
    internal bool Fits(int bodyBytes, long segmentBytes) => _records == 0 || _length + RecordHeaderBytes + bodyBytes <= segmentBytes;

    /// <summary>
    /// Reads a record's body back: an earlier run's, as the replay submits it, or one whose wait
    /// was abandoned while the node runs (its shard moved as it was sent, or its owner never
    /// confirmed). Read one at a time, not at open: a crash under load may leave gigabytes.
    /// </summary>
    internal byte[] ReadBody(long offset, int length)
    {
        var body = new byte[length];
        if (RandomAccess.Read(Volatile.Read(ref _reader) ?? OpenReader(), body, offset) != length)
        {
            throw new InvalidDataException($"{_dataPath}: the record at {offset} is cut short");
        }
        return body;
    }

    // One read handle per segment, opened at its first read back and closed with its files: a
    // replay after a crash reads thousands of records from each segment.
    private SafeFileHandle OpenReader()
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_finished, this);
            return _reader ??= File.OpenHandle(_dataPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
    }

    /// <summary>Writes one record and returns its index and where its body starts. Called by the log under its append lock, so records are written one at a time, in order.</summary>
    internal (int Index, long Offset) Append(ReadOnlyMemory<byte> body)
    {
        var data = _data ?? throw new InvalidOperationException("a recovered segment takes no appends");
        BinaryPrimitives.WriteUInt32LittleEndian(_header, (uint)body.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(_header.AsSpan(4), Crc32.HashToUInt32(body.Span));
        // One gathered write: the header and the caller's body, no copy into a buffer of ours.
        var offset = _length + RecordHeaderBytes;
        RandomAccess.Write(data, [(ReadOnlyMemory<byte>)_header, body], _length);
        Interlocked.Add(ref _length, RecordHeaderBytes + body.Length);
        Volatile.Write(ref _dirty, 1);
        lock (_sync)
        {
            _pending++;
            return (_records++, offset);
        }
    }

    /// <summary>
    /// Record <paramref name="index"/>'s traces are decided (kept ones written): written to the
    /// confirmations file before it counts, and the last confirmation of a closed segment deletes it.
    /// </summary>
    internal void Confirm(int index)
    {
        lock (_sync)
        {
            if (_finished)
            {
                // The log closed (the node is stopping) before this confirmation came: the record
                // stays unconfirmed on disk and is read again at the next start.
                return;
            }
            BinaryPrimitives.WriteUInt32LittleEndian(_doneEntry, (uint)index);
            RandomAccess.Write(_done, _doneEntry, _doneLength);
            Interlocked.Add(ref _doneLength, DoneEntryBytes);
            Volatile.Write(ref _dirty, 1);
            _pending--;
            if (_closedForAppends && _pending == 0)
            {
                DeleteLocked();
            }
        }
    }

    /// <summary>No more appends (the log began a new segment): deleted now if nothing waits in it, else at its last confirmation.</summary>
    internal void CloseForAppends()
    {
        lock (_sync)
        {
            _closedForAppends = true;
            if (_pending == 0)
            {
                DeleteLocked();
            }
        }
    }

    /// <summary>Flushes what was written since the last sync to the device.</summary>
    internal void Sync()
    {
        if (Interlocked.Exchange(ref _dirty, 0) == 0)
        {
            return;
        }
        lock (_sync)
        {
            if (_finished)
            {
                return;
            }
            if (_data is not null)
            {
                RandomAccess.FlushToDisk(_data);
            }
            RandomAccess.FlushToDisk(_done);
        }
    }

    /// <summary>Closes the files at the log's close; a segment nothing waits in is deleted instead.</summary>
    internal void Close()
    {
        lock (_sync)
        {
            if (_finished)
            {
                return;
            }
            if (_pending == 0)
            {
                DeleteLocked();
                return;
            }
            if (_data is not null)
            {
                RandomAccess.FlushToDisk(_data);
            }
            RandomAccess.FlushToDisk(_done);
            _data?.Dispose();
            _done.Dispose();
            _reader?.Dispose();
            _finished = true;
        }
    }

    private void DeleteLocked()
    {
        _finished = true;
        _data?.Dispose();
        _done.Dispose();
        _reader?.Dispose();
        _log.Deleted(this);
    }
}

/// <summary>Where a request was written: what its confirmation names, and where its body (protobuf) is to read it again.</summary>
public readonly record struct IngestLogEntry(IngestLogSegment Segment, int Index, long Offset, int Length)
{
    /// <summary>The request's body, read back from its segment.</summary>
    public byte[] ReadBody() => Segment.ReadBody(Offset, Length);
}
