using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Grpc.Core;

namespace ActorTracing.Workload;

/// <summary>
/// One HTTP/2 connection over cleartext with prior knowledge (RFC 9113 §3.3) on a blocking
/// socket, carrying one gRPC unary call at a time and kept alive across calls. Used by
/// <see cref="OtlpGrpcSender.Send"/> from a dedicated sender thread.
/// </summary>
/// <remarks>
/// Why not Grpc.Net.Client: SocketsHttpHandler's HTTP/2 connection has a writer task and a reader
/// task besides the caller, so each call hops between three threads and wakes thread-pool workers
/// that spin before sleeping. Profiled at 100k spans/s on the 2-core bench machine, that was 14 %
/// of the generator's samples in context switches and made gRPC cost it nearly twice the CPU of
/// HTTP/1.1 on <see cref="Http1Connection"/>. Here the calling thread writes the request and reads
/// until its stream ends, answering PING, SETTINGS and flow control on the way.
/// Not thread-safe: one call at a time; only <see cref="Dispose"/> may come from another thread
/// (closing the socket is the one way to interrupt a blocking send or receive).
/// </remarks>
internal sealed class H2cConnection : IBlockingConnection, IHpackHeaderSink
{
    /// <summary>
    /// What this side lets the server send, per stream and for the connection, before it must
    /// wait for a WINDOW_UPDATE. Responses are small, so a stream never needs an update in
    /// practice; the connection gets one each time half of it has been used.
    /// </summary>
    internal const int ReceiveWindow = 1 << 20;

    /// <summary>Grpc.Net.Client's limit in the async path (GrpcChannelOptions.MaxReceiveMessageSize).</summary>
    internal const int MaxResponseMessageSize = 4 * 1024 * 1024;

    private const int FrameHeaderLength = 9;
    private const int DefaultWindowSize = 65_535;
    private const int DefaultMaxFrameSize = 16_384;
    private const int MaxFrameSizeLimit = 16_777_215;
    private const int MaxHeaderBlockSize = 1024 * 1024;
    private const int MessagePrefixLength = 5;

    private const byte DataFrame = 0x0;
    private const byte HeadersFrame = 0x1;
    private const byte RstStreamFrame = 0x3;
    private const byte SettingsFrame = 0x4;
    private const byte PushPromiseFrame = 0x5;
    private const byte PingFrame = 0x6;
    private const byte GoAwayFrame = 0x7;
    private const byte WindowUpdateFrame = 0x8;
    private const byte ContinuationFrame = 0x9;

    private const byte EndStreamFlag = 0x1;
    private const byte AckFlag = 0x1;
    private const byte EndHeadersFlag = 0x4;
    private const byte PaddedFlag = 0x8;
    private const byte PriorityFlag = 0x20;

    private const ushort SettingsEnablePush = 0x2;
    private const ushort SettingsInitialWindowSize = 0x4;
    private const ushort SettingsMaxFrameSize = 0x5;

    private const int NoGrpcStatus = -1;
    private const int InvalidGrpcStatus = -2;

    private static ReadOnlySpan<byte> ClientPreface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    private readonly Socket _socket;
    private readonly HpackDecoder _hpack = new();
    private readonly List<ArraySegment<byte>> _segments = new(8);
    private readonly byte[] _small = new byte[FrameHeaderLength + 8];

    // Received bytes not yet processed are _receive[_receiveStart.._receiveEnd).
    private byte[] _receive = new byte[64 * 1024];
    private int _receiveStart;
    private int _receiveEnd;

    // Frame headers (and the message prefix) of the request; body bytes go out from the caller's
    // array in the same gather write. _runStart is where the run not yet in _segments begins.
    private byte[] _control = new byte[4 * 1024];
    private int _controlLength;
    private int _runStart;

    // A header block split over HEADERS and CONTINUATION frames, while it is incomplete.
    private byte[] _headerBlock = new byte[4 * 1024];
    private int _headerBlockLength;
    private int _headerBlockStream;
    private bool _headerBlockEndsStream;

    private bool _peerSettingsReceived;
    private int _peerMaxFrameSize = DefaultMaxFrameSize;
    private long _peerInitialWindow = DefaultWindowSize;
    private long _connectionSendWindow = DefaultWindowSize;
    private long _streamSendWindow;
    private int _connectionUnacknowledged;
    private int _streamUnacknowledged;
    private long _nextStreamId = 1;
    private int _goAwayLastStreamId = int.MaxValue;
    private bool _goAway;

    // The call in progress: its stream (0 between calls) and what the server said about it.
    private int _streamId;
    private bool _remoteEnded;
    private bool _sinkActive;
    private bool _interim;
    private int _status;
    private bool _hasContentType;
    private string? _invalidContentType;
    private int _grpcStatus;
    private string? _grpcMessage;
    private byte[]? _statusDetails;
    private string? _responseEncoding;
    private int _resetCode;
    private byte[] _body = new byte[1024];
    private int _bodyLength;
    private bool _bodyTooLarge;
    private byte[] _message = [];
    private int _messageStart;
    private int _messageLength;

    private H2cConnection(Socket socket)
    {
        _socket = socket;
    }

    /// <summary>Whether a call completed on this connection before (only then can it have gone stale while idle).</summary>
    public bool Reused { get; private set; }

    /// <summary>
    /// Whether the server sent anything about the current call's stream. A reused connection that
    /// fails before it did was most likely closed by the server while idle (or is being shut down
    /// with a GOAWAY that excludes the stream), and the call can go out again on a new connection
    /// at once without counting an attempt, as <see cref="Http1Connection"/> does.
    /// </summary>
    public bool ResponseStarted { get; private set; }

    /// <summary>Whether another call may start here: no GOAWAY seen and stream ids left.</summary>
    public bool CanReuse => !_goAway && _streamId == 0 && _nextStreamId <= int.MaxValue;

    /// <summary>The response message of the last successful call, valid until the next call.</summary>
    public ReadOnlySpan<byte> ResponseMessage => _message.AsSpan(_messageStart, _messageLength);

    /// <summary>The id the next stream gets; tests move it close to the end of the id space.</summary>
    internal long NextStreamId
    {
        get => _nextStreamId;
        set => _nextStreamId = value;
    }

    /// <summary>Connects and sends the connection preface; the server's answer is read by the first call.</summary>
    public static H2cConnection Open(string host, int port, TimeSpan timeout)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp)
        {
            // Frames are written whole; there is nothing for Nagle to merge.
            NoDelay = true,
            SendTimeout = TimeoutMillis(timeout),
            ReceiveTimeout = TimeoutMillis(timeout),
        };
        var connection = new H2cConnection(socket);
        try
        {
            socket.Connect(host, port);
            connection.SendPreface();
        }
        catch
        {
            connection.Dispose();
            throw;
        }
        return connection;
    }

    /// <summary>
    /// The header block of every call, HPACK-encoded once: static-table indexes and literals
    /// without indexing (RFC 7541 §6.2.2), so this side keeps no dynamic table and the block is
    /// the same bytes for each request. Names must be lowercase and values printable ASCII.
    /// </summary>
    public static byte[] RequestHeaderBlock(string authority, string path, IEnumerable<KeyValuePair<string, string>> metadata)
    {
        using var block = new MemoryStream(256);
        block.WriteByte(0x80 | 3); // :method: POST
        block.WriteByte(0x80 | 6); // :scheme: http
        WriteLiteral(block, 4, null, path);
        WriteLiteral(block, 1, null, authority);
        WriteLiteral(block, 31, null, "application/grpc");
        WriteLiteral(block, 0, "te", "trailers");
        foreach (var (name, value) in metadata)
        {
            WriteLiteral(block, 0, name, value);
        }
        return block.ToArray();
    }

    /// <summary>
    /// One unary call: sends <paramref name="headerBlock"/> and the message (the 5-byte gRPC
    /// prefix, then <paramref name="message"/>) on a new stream and reads until the stream ends.
    /// A gRPC or HTTP-level refusal is the returned status; a failed connection throws
    /// <see cref="SocketException"/> or <see cref="IOException"/>, after which it must be disposed.
    /// </summary>
    public H2cResponse Exchange(ReadOnlySpan<byte> headerBlock, ReadOnlyMemory<byte> message, bool compressed)
    {
        if (!CanReuse)
        {
            throw new InvalidOperationException("the connection cannot start another stream");
        }
        ResponseStarted = false;
        try
        {
            // The server's preface must be a SETTINGS frame (RFC 9113 §3.4); waiting for it once
            // per connection means the first request already uses its frame size and windows.
            while (!_peerSettingsReceived)
            {
                ReadFrame();
            }
            StartStream();
            var sentAll = SendRequest(headerBlock, message, compressed);
            while (!_remoteEnded)
            {
                ReadFrame();
            }
            if (!sentAll && _resetCode < 0)
            {
                // The server answered before taking the whole request (RFC 9113 §8.1); the stream
                // is still open on this side until reset.
                SendFrame(RstStreamFrame, 0, _streamId, [0, 0, 0, 0x8]);
            }
        }
        catch (Http2ProtocolException ex)
        {
            TrySendGoAway(ex.ErrorCode);
            throw;
        }
        var response = Result();
        _streamId = 0;
        Reused = true;
        return response;
    }

    public void Dispose() => _socket.Dispose();

    private static int TimeoutMillis(TimeSpan timeout) => (int)Math.Clamp(timeout.TotalMilliseconds, 1, int.MaxValue);

    private void SendPreface()
    {
        Span<byte> preface = stackalloc byte[24 + FrameHeaderLength + 12 + FrameHeaderLength + 4];
        ClientPreface.CopyTo(preface);
        var settings = preface[24..];
        WriteFrameHeader(settings, 12, SettingsFrame, 0, 0);
        WriteSetting(settings[FrameHeaderLength..], SettingsEnablePush, 0);
        WriteSetting(settings[(FrameHeaderLength + 6)..], SettingsInitialWindowSize, ReceiveWindow);
        var windowUpdate = settings[(FrameHeaderLength + 12)..];
        WriteFrameHeader(windowUpdate, 4, WindowUpdateFrame, 0, 0);
        BinaryPrimitives.WriteUInt32BigEndian(windowUpdate[FrameHeaderLength..], ReceiveWindow - DefaultWindowSize);
        SendAll(preface);
    }

    private void StartStream()
    {
        _streamId = (int)_nextStreamId;
        _nextStreamId += 2;
        _streamSendWindow = _peerInitialWindow;
        _streamUnacknowledged = 0;
        _remoteEnded = false;
        _interim = false;
        _status = 0;
        _hasContentType = false;
        _invalidContentType = null;
        _grpcStatus = NoGrpcStatus;
        _grpcMessage = null;
        _statusDetails = null;
        _responseEncoding = null;
        _resetCode = -1;
        _bodyLength = 0;
        _bodyTooLarge = false;
        _messageLength = 0;
    }

    /// <summary>Writes HEADERS (+ CONTINUATION) and the DATA frames the windows allow, waiting for WINDOW_UPDATEs; false when the server ended the stream first.</summary>
    private bool SendRequest(ReadOnlySpan<byte> headerBlock, ReadOnlyMemory<byte> message, bool compressed)
    {
        if (!MemoryMarshal.TryGetArray(message, out var body))
        {
            body = new ArraySegment<byte>(message.ToArray());
        }
        var type = HeadersFrame;
        do
        {
            var length = Math.Min(headerBlock.Length, _peerMaxFrameSize);
            var frame = ReserveControl(FrameHeaderLength + length);
            WriteFrameHeader(frame, length, type, length == headerBlock.Length ? EndHeadersFlag : (byte)0, _streamId);
            headerBlock[..length].CopyTo(frame[FrameHeaderLength..]);
            headerBlock = headerBlock[length..];
            type = ContinuationFrame;
        }
        while (!headerBlock.IsEmpty);

        Span<byte> prefix = stackalloc byte[MessagePrefixLength];
        prefix[0] = compressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt32BigEndian(prefix[1..], body.Count);
        long total = MessagePrefixLength + body.Count;
        long sent = 0;
        while (sent < total)
        {
            if (_remoteEnded)
            {
                Flush();
                return false;
            }
            var window = Math.Min(_connectionSendWindow, _streamSendWindow);
            if (window <= 0)
            {
                // The frames already queued fit the windows; the server can only send the update
                // after reading them.
                Flush();
                ReadFrame();
                continue;
            }
            var length = (int)Math.Min(Math.Min(window, _peerMaxFrameSize), total - sent);
            var prefixBytes = sent < MessagePrefixLength ? (int)Math.Min(MessagePrefixLength - sent, length) : 0;
            var frame = ReserveControl(FrameHeaderLength + prefixBytes);
            WriteFrameHeader(frame, length, DataFrame, sent + length == total ? EndStreamFlag : (byte)0, _streamId);
            if (prefixBytes > 0)
            {
                prefix.Slice((int)sent, prefixBytes).CopyTo(frame[FrameHeaderLength..]);
            }
            var bodyBytes = length - prefixBytes;
            if (bodyBytes > 0)
            {
                AddBodySegment(new ArraySegment<byte>(body.Array!, body.Offset + (int)(sent + prefixBytes - MessagePrefixLength), bodyBytes));
            }
            sent += length;
            _connectionSendWindow -= length;
            _streamSendWindow -= length;
        }
        Flush();
        return true;
    }

    private Span<byte> ReserveControl(int length)
    {
        if (_controlLength + length > _control.Length)
        {
            Flush();
            if (length > _control.Length)
            {
                _control = new byte[Math.Max(length, _control.Length * 2)];
            }
        }
        var span = _control.AsSpan(_controlLength, length);
        _controlLength += length;
        return span;
    }

    private void AddBodySegment(ArraySegment<byte> segment)
    {
        if (_controlLength > _runStart)
        {
            _segments.Add(new ArraySegment<byte>(_control, _runStart, _controlLength - _runStart));
            _runStart = _controlLength;
        }
        _segments.Add(segment);
    }

    /// <summary>Sends what is queued in one gather write.</summary>
    private void Flush()
    {
        if (_controlLength > _runStart)
        {
            _segments.Add(new ArraySegment<byte>(_control, _runStart, _controlLength - _runStart));
        }
        if (_segments.Count == 1)
        {
            SendAll(_segments[0]);
        }
        else if (_segments.Count > 1)
        {
            var total = 0;
            foreach (var segment in _segments)
            {
                total += segment.Count;
            }
            var sent = _socket.Send(_segments);
            if (sent < total)
            {
                // A blocking send normally writes everything; a short write continues where it stopped.
                foreach (var segment in _segments)
                {
                    if (sent >= segment.Count)
                    {
                        sent -= segment.Count;
                        continue;
                    }
                    SendAll(segment.AsSpan(sent));
                    sent = 0;
                }
            }
        }
        _segments.Clear();
        _controlLength = 0;
        _runStart = 0;
    }

    private void SendAll(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            bytes = bytes[_socket.Send(bytes)..];
        }
    }

    private void SendFrame(byte type, byte flags, int streamId, ReadOnlySpan<byte> payload)
    {
        WriteFrameHeader(_small, payload.Length, type, flags, streamId);
        payload.CopyTo(_small.AsSpan(FrameHeaderLength));
        SendAll(_small.AsSpan(0, FrameHeaderLength + payload.Length));
    }

    private void SendWindowUpdate(int streamId, int increment)
    {
        Span<byte> payload = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(payload, increment);
        SendFrame(WindowUpdateFrame, 0, streamId, payload);
    }

    private void TrySendGoAway(int errorCode)
    {
        Span<byte> payload = stackalloc byte[8];
        BinaryPrimitives.WriteInt32BigEndian(payload, 0);
        BinaryPrimitives.WriteInt32BigEndian(payload[4..], errorCode);
        try
        {
            SendFrame(GoAwayFrame, 0, 0, payload);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Courtesy only: the connection is being dropped either way.
        }
    }

    /// <summary>Reads and handles one frame.</summary>
    private void ReadFrame()
    {
        EnsureReceived(FrameHeaderLength);
        var header = _receive.AsSpan(_receiveStart, FrameHeaderLength);
        var length = (header[0] << 16) | (header[1] << 8) | header[2];
        var type = header[3];
        var flags = header[4];
        var streamId = (int)(BinaryPrimitives.ReadUInt32BigEndian(header[5..]) & 0x7fff_ffff);
        // This side never raises SETTINGS_MAX_FRAME_SIZE above its default.
        if (length > DefaultMaxFrameSize)
        {
            throw new Http2ProtocolException($"a {length}-byte frame exceeds the {DefaultMaxFrameSize}-byte maximum", Http2ProtocolException.FrameSizeError);
        }
        EnsureReceived(FrameHeaderLength + length);
        var payload = _receive.AsSpan(_receiveStart + FrameHeaderLength, length);
        _receiveStart += FrameHeaderLength + length;
        if (!_peerSettingsReceived && type != SettingsFrame)
        {
            throw new Http2ProtocolException($"the server's preface began with a frame of type {type}, not SETTINGS; is it an HTTP/2 endpoint?", Http2ProtocolException.ProtocolError);
        }
        if (_headerBlockStream != 0 && type != ContinuationFrame)
        {
            throw new Http2ProtocolException($"a frame of type {type} interrupted a header block", Http2ProtocolException.ProtocolError);
        }
        switch (type)
        {
            case DataFrame:
                OnData(streamId, flags, payload);
                break;
            case HeadersFrame:
                OnHeaders(streamId, flags, payload);
                break;
            case ContinuationFrame:
                OnContinuation(streamId, flags, payload);
                break;
            case RstStreamFrame:
                RequireLength(payload, 4, "RST_STREAM");
                RequireStream(streamId, "RST_STREAM");
                if (streamId == _streamId && !_remoteEnded)
                {
                    ResponseStarted = true;
                    _resetCode = BinaryPrimitives.ReadInt32BigEndian(payload);
                    _remoteEnded = true;
                }
                break;
            case SettingsFrame:
                OnSettings(streamId, flags, payload);
                break;
            case PingFrame:
                RequireLength(payload, 8, "PING");
                RequireConnection(streamId, "PING");
                if ((flags & AckFlag) == 0)
                {
                    SendFrame(PingFrame, AckFlag, 0, payload);
                }
                break;
            case GoAwayFrame:
                OnGoAway(streamId, payload);
                break;
            case WindowUpdateFrame:
                OnWindowUpdate(streamId, payload);
                break;
            case PushPromiseFrame:
                throw new Http2ProtocolException("PUSH_PROMISE although SETTINGS_ENABLE_PUSH is 0", Http2ProtocolException.ProtocolError);
            default:
                // PRIORITY and unknown frame types carry nothing for a client (RFC 9113 §4.1, §5.5).
                break;
        }
    }

    /// <summary>Makes sure <paramref name="count"/> unprocessed bytes are buffered.</summary>
    private void EnsureReceived(int count)
    {
        if (_receiveStart == _receiveEnd)
        {
            _receiveStart = _receiveEnd = 0;
        }
        if (_receiveEnd - _receiveStart >= count)
        {
            return;
        }
        if (_receiveStart + count > _receive.Length)
        {
            Buffer.BlockCopy(_receive, _receiveStart, _receive, 0, _receiveEnd - _receiveStart);
            _receiveEnd -= _receiveStart;
            _receiveStart = 0;
        }
        while (_receiveEnd - _receiveStart < count)
        {
            var read = _socket.Receive(_receive, _receiveEnd, _receive.Length - _receiveEnd, SocketFlags.None);
            if (read == 0)
            {
                throw new IOException(ResponseStarted
                    ? "connection closed inside the response"
                    : _goAway ? "connection closed after GOAWAY, before any response" : "connection closed before any response");
            }
            _receiveEnd += read;
        }
    }

    private void OnData(int streamId, byte flags, ReadOnlySpan<byte> payload)
    {
        RequireStream(streamId, "DATA");
        // The whole frame counts against flow control, padding included, on closed streams too (RFC 9113 §6.9).
        _connectionUnacknowledged += payload.Length;
        if (streamId == _streamId && !_remoteEnded)
        {
            ResponseStarted = true;
            AppendBody(Unpad(flags, payload, "DATA"));
            if ((flags & EndStreamFlag) != 0)
            {
                _remoteEnded = true;
            }
            else
            {
                _streamUnacknowledged += payload.Length;
                if (_streamUnacknowledged >= ReceiveWindow / 2)
                {
                    SendWindowUpdate(_streamId, _streamUnacknowledged);
                    _streamUnacknowledged = 0;
                }
            }
        }
        if (_connectionUnacknowledged >= ReceiveWindow / 2)
        {
            SendWindowUpdate(0, _connectionUnacknowledged);
            _connectionUnacknowledged = 0;
        }
    }

    private void AppendBody(ReadOnlySpan<byte> data)
    {
        if (_bodyTooLarge || _bodyLength + data.Length > MaxResponseMessageSize + MessagePrefixLength)
        {
            _bodyTooLarge = true;
            return;
        }
        if (_bodyLength + data.Length > _body.Length)
        {
            Array.Resize(ref _body, Math.Max(_bodyLength + data.Length, _body.Length * 2));
        }
        data.CopyTo(_body.AsSpan(_bodyLength));
        _bodyLength += data.Length;
    }

    private void OnHeaders(int streamId, byte flags, ReadOnlySpan<byte> payload)
    {
        RequireStream(streamId, "HEADERS");
        var fragment = Unpad(flags, payload, "HEADERS");
        if ((flags & PriorityFlag) != 0)
        {
            if (fragment.Length < 5)
            {
                throw new Http2ProtocolException("HEADERS too short for its priority fields", Http2ProtocolException.FrameSizeError);
            }
            fragment = fragment[5..];
        }
        _headerBlockEndsStream = (flags & EndStreamFlag) != 0;
        if ((flags & EndHeadersFlag) != 0)
        {
            OnHeaderBlock(streamId, fragment);
            return;
        }
        _headerBlockStream = streamId;
        _headerBlockLength = 0;
        AppendHeaderBlock(fragment);
    }

    private void OnContinuation(int streamId, byte flags, ReadOnlySpan<byte> payload)
    {
        if (_headerBlockStream == 0 || streamId != _headerBlockStream)
        {
            throw new Http2ProtocolException("CONTINUATION without a header block in progress on its stream", Http2ProtocolException.ProtocolError);
        }
        AppendHeaderBlock(payload);
        if ((flags & EndHeadersFlag) != 0)
        {
            _headerBlockStream = 0;
            OnHeaderBlock(streamId, _headerBlock.AsSpan(0, _headerBlockLength));
        }
    }

    private void AppendHeaderBlock(ReadOnlySpan<byte> fragment)
    {
        if (_headerBlockLength + fragment.Length > MaxHeaderBlockSize)
        {
            throw new Http2ProtocolException($"header block longer than {MaxHeaderBlockSize} bytes", Http2ProtocolException.ProtocolError);
        }
        if (_headerBlockLength + fragment.Length > _headerBlock.Length)
        {
            Array.Resize(ref _headerBlock, Math.Max(_headerBlockLength + fragment.Length, _headerBlock.Length * 2));
        }
        fragment.CopyTo(_headerBlock.AsSpan(_headerBlockLength));
        _headerBlockLength += fragment.Length;
    }

    /// <summary>A complete header block: decoded whichever stream it is for, so the HPACK table stays in step.</summary>
    private void OnHeaderBlock(int streamId, ReadOnlySpan<byte> block)
    {
        var ours = streamId == _streamId && !_remoteEnded;
        _sinkActive = ours;
        _interim = false;
        try
        {
            _hpack.Decode(block, this);
        }
        finally
        {
            _sinkActive = false;
        }
        if (!ours)
        {
            return;
        }
        ResponseStarted = true;
        if (_headerBlockEndsStream)
        {
            _remoteEnded = true;
        }
    }

    void IHpackHeaderSink.OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (!_sinkActive)
        {
            return;
        }
        if (name.SequenceEqual(":status"u8))
        {
            if (value.Length != 3 || !int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var status))
            {
                throw new Http2ProtocolException($"invalid :status '{Encoding.Latin1.GetString(value)}'", Http2ProtocolException.ProtocolError);
            }
            // 1xx heads are interim (RFC 9113 §8.1); the final one follows in another block.
            _interim = status < 200;
            if (!_interim)
            {
                _status = status;
            }
        }
        else if (_interim)
        {
            return;
        }
        else if (name.SequenceEqual("content-type"u8))
        {
            _hasContentType = true;
            _invalidContentType = IsGrpcContentType(value) ? null : Encoding.Latin1.GetString(value);
        }
        else if (name.SequenceEqual("grpc-status"u8))
        {
            _grpcStatus = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var code) ? code : InvalidGrpcStatus;
        }
        else if (name.SequenceEqual("grpc-message"u8))
        {
            _grpcMessage = PercentDecode(value);
        }
        else if (name.SequenceEqual("grpc-status-details-bin"u8))
        {
            _statusDetails = DecodeBase64(value);
        }
        else if (name.SequenceEqual("grpc-encoding"u8))
        {
            _responseEncoding = Encoding.Latin1.GetString(value);
        }
    }

    private void OnSettings(int streamId, byte flags, ReadOnlySpan<byte> payload)
    {
        RequireConnection(streamId, "SETTINGS");
        if ((flags & AckFlag) != 0)
        {
            return;
        }
        if (payload.Length % 6 != 0)
        {
            throw new Http2ProtocolException("SETTINGS length not a multiple of 6", Http2ProtocolException.FrameSizeError);
        }
        for (var i = 0; i < payload.Length; i += 6)
        {
            var id = BinaryPrimitives.ReadUInt16BigEndian(payload[i..]);
            var value = BinaryPrimitives.ReadUInt32BigEndian(payload[(i + 2)..]);
            switch (id)
            {
                case SettingsInitialWindowSize:
                    if (value > int.MaxValue)
                    {
                        throw new Http2ProtocolException($"SETTINGS_INITIAL_WINDOW_SIZE {value} above 2^31-1", Http2ProtocolException.FlowControlError);
                    }
                    // Applies to open streams too, and may drive their window negative (§6.9.2).
                    if (_streamId != 0)
                    {
                        _streamSendWindow += value - _peerInitialWindow;
                    }
                    _peerInitialWindow = value;
                    break;
                case SettingsMaxFrameSize:
                    if (value is < DefaultMaxFrameSize or > MaxFrameSizeLimit)
                    {
                        throw new Http2ProtocolException($"SETTINGS_MAX_FRAME_SIZE {value} outside 16384..16777215", Http2ProtocolException.ProtocolError);
                    }
                    _peerMaxFrameSize = (int)value;
                    break;
                default:
                    // HEADER_TABLE_SIZE concerns an encoder table this side never uses; concurrency
                    // limits a client with one stream at a time; the rest are advisory.
                    break;
            }
        }
        SendFrame(SettingsFrame, AckFlag, 0, []);
        _peerSettingsReceived = true;
    }

    private void OnGoAway(int streamId, ReadOnlySpan<byte> payload)
    {
        RequireConnection(streamId, "GOAWAY");
        if (payload.Length < 8)
        {
            throw new Http2ProtocolException("GOAWAY shorter than 8 bytes", Http2ProtocolException.FrameSizeError);
        }
        var lastStreamId = (int)(BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7fff_ffff);
        var errorCode = BinaryPrimitives.ReadUInt32BigEndian(payload[4..]);
        _goAway = true;
        _goAwayLastStreamId = Math.Min(_goAwayLastStreamId, lastStreamId);
        if (_streamId > _goAwayLastStreamId && !_remoteEnded)
        {
            // The server will not process this stream (RFC 9113 §6.8): the request may go out
            // again elsewhere. ResponseStarted stays false, so a reused connection retries free.
            throw new IOException($"the server is closing the connection (GOAWAY, error {errorCode}) and did not process the request");
        }
    }

    private void OnWindowUpdate(int streamId, ReadOnlySpan<byte> payload)
    {
        RequireLength(payload, 4, "WINDOW_UPDATE");
        var increment = BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7fff_ffff;
        if (streamId == 0)
        {
            if (increment == 0)
            {
                throw new Http2ProtocolException("connection WINDOW_UPDATE of 0", Http2ProtocolException.ProtocolError);
            }
            _connectionSendWindow += increment;
            if (_connectionSendWindow > int.MaxValue)
            {
                throw new Http2ProtocolException("connection send window above 2^31-1", Http2ProtocolException.FlowControlError);
            }
        }
        else if (streamId == _streamId)
        {
            // An increment of 0 is a stream error; the server will reset the stream if it meant one.
            _streamSendWindow += increment;
        }
    }

    private static ReadOnlySpan<byte> Unpad(byte flags, ReadOnlySpan<byte> payload, string frame)
    {
        if ((flags & PaddedFlag) == 0)
        {
            return payload;
        }
        if (payload.IsEmpty || payload[0] >= payload.Length)
        {
            throw new Http2ProtocolException($"{frame} padding longer than the frame", Http2ProtocolException.ProtocolError);
        }
        return payload[1..^payload[0]];
    }

    private static void RequireLength(ReadOnlySpan<byte> payload, int length, string frame)
    {
        if (payload.Length != length)
        {
            throw new Http2ProtocolException($"{frame} of {payload.Length} bytes, not {length}", Http2ProtocolException.FrameSizeError);
        }
    }

    private static void RequireStream(int streamId, string frame)
    {
        if (streamId == 0)
        {
            throw new Http2ProtocolException($"{frame} on stream 0", Http2ProtocolException.ProtocolError);
        }
    }

    private static void RequireConnection(int streamId, string frame)
    {
        if (streamId != 0)
        {
            throw new Http2ProtocolException($"{frame} on stream {streamId}", Http2ProtocolException.ProtocolError);
        }
    }

    /// <summary>The call's outcome, judged the way Grpc.Net.Client judges it in the async path.</summary>
    private H2cResponse Result()
    {
        if (_grpcStatus == NoGrpcStatus && _resetCode >= 0)
        {
            // gRPC over HTTP/2, "Errors": how a client maps a stream reset.
            var code = _resetCode switch
            {
                Http2ProtocolException.RefusedStream => StatusCode.Unavailable,
                Http2ProtocolException.Cancel => StatusCode.Cancelled,
                Http2ProtocolException.EnhanceYourCalm => StatusCode.ResourceExhausted,
                Http2ProtocolException.InadequateSecurity => StatusCode.PermissionDenied,
                _ => StatusCode.Internal,
            };
            return new H2cResponse(code, $"HTTP/2 stream reset by the server (error {_resetCode})", null);
        }
        if (_status == 0)
        {
            return new H2cResponse(StatusCode.Internal, "the stream ended without response headers", null);
        }
        if (_status != 200)
        {
            return new H2cResponse(FromHttpStatus(_status), "Bad gRPC response. HTTP status code: " + _status.ToString(CultureInfo.InvariantCulture), null);
        }
        if (!_hasContentType)
        {
            return new H2cResponse(StatusCode.Cancelled, "Bad gRPC response. Response did not have a content-type header.", null);
        }
        if (_invalidContentType is not null)
        {
            return new H2cResponse(StatusCode.Cancelled, "Bad gRPC response. Invalid content-type value: " + _invalidContentType, null);
        }
        if (_grpcStatus == NoGrpcStatus)
        {
            return new H2cResponse(StatusCode.Cancelled, "No grpc-status found on response.", null);
        }
        if (_grpcStatus == InvalidGrpcStatus)
        {
            return new H2cResponse(StatusCode.Unknown, "Unexpected grpc-status value.", null);
        }
        if (_grpcStatus != 0)
        {
            return new H2cResponse((StatusCode)_grpcStatus, _grpcMessage ?? string.Empty, _statusDetails);
        }
        return ReadMessage();
    }

    private H2cResponse ReadMessage()
    {
        if (_bodyTooLarge)
        {
            return new H2cResponse(StatusCode.ResourceExhausted, "Received message exceeds the maximum configured message size.", null);
        }
        if (_bodyLength < MessagePrefixLength)
        {
            return new H2cResponse(StatusCode.Internal, "Failed to deserialize response message.", null);
        }
        var length = BinaryPrimitives.ReadInt32BigEndian(_body.AsSpan(1));
        if (length < 0 || length != _bodyLength - MessagePrefixLength)
        {
            return new H2cResponse(StatusCode.Internal, $"Failed to deserialize response message: {_bodyLength - MessagePrefixLength} bytes after a prefix announcing {length}.", null);
        }
        if (_body[0] == 0)
        {
            _message = _body;
            _messageStart = MessagePrefixLength;
            _messageLength = length;
            return new H2cResponse(StatusCode.OK, string.Empty, null);
        }
        // Never asked for (no grpc-accept-encoding is sent), so this is rare enough to allocate.
        if (!string.Equals(_responseEncoding, "gzip", StringComparison.Ordinal))
        {
            return new H2cResponse(StatusCode.Unimplemented, $"Unsupported grpc-encoding value '{_responseEncoding}'.", null);
        }
        using var inflated = new MemoryStream();
        try
        {
            using var gzip = new GZipStream(new MemoryStream(_body, MessagePrefixLength, length), CompressionMode.Decompress);
            gzip.CopyTo(inflated);
        }
        catch (InvalidDataException ex)
        {
            return new H2cResponse(StatusCode.Internal, "Failed to decompress the response message: " + ex.Message, null);
        }
        _message = inflated.ToArray();
        _messageStart = 0;
        _messageLength = _message.Length;
        return new H2cResponse(StatusCode.OK, string.Empty, null);
    }

    /// <summary>gRPC's HTTP-to-gRPC status mapping (doc/http-grpc-status-mapping.md).</summary>
    private static StatusCode FromHttpStatus(int status) => status switch
    {
        400 or 431 => StatusCode.Internal,
        401 => StatusCode.Unauthenticated,
        403 => StatusCode.PermissionDenied,
        404 => StatusCode.Unimplemented,
        429 or 502 or 503 or 504 => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };

    private static bool IsGrpcContentType(ReadOnlySpan<byte> value)
    {
        var grpc = "application/grpc"u8;
        return value.Length >= grpc.Length
            && Ascii.EqualsIgnoreCase(value[..grpc.Length], grpc)
            && (value.Length == grpc.Length || value[grpc.Length] is (byte)'+' or (byte)';');
    }

    /// <summary>grpc-message is percent-encoded UTF-8; a '%' not followed by two hex digits stands for itself.</summary>
    internal static string PercentDecode(ReadOnlySpan<byte> value)
    {
        if (!value.Contains((byte)'%'))
        {
            return Encoding.UTF8.GetString(value);
        }
        var decoded = new byte[value.Length];
        var length = 0;
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '%' && i + 2 < value.Length && HexValue(value[i + 1]) is var high and >= 0 && HexValue(value[i + 2]) is var low and >= 0)
            {
                decoded[length++] = (byte)((high << 4) | low);
                i += 2;
            }
            else
            {
                decoded[length++] = value[i];
            }
        }
        return Encoding.UTF8.GetString(decoded, 0, length);
    }

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary>Binary metadata is base64 with the padding optional (gRPC over HTTP/2); null when not base64.</summary>
    internal static byte[]? DecodeBase64(ReadOnlySpan<byte> value)
    {
        var text = Encoding.Latin1.GetString(value).Trim();
        if (text.Length % 4 != 0)
        {
            text = text.PadRight(text.Length + 4 - (text.Length % 4), '=');
        }
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static void WriteFrameHeader(Span<byte> destination, int length, byte type, byte flags, int streamId)
    {
        destination[0] = (byte)(length >> 16);
        destination[1] = (byte)(length >> 8);
        destination[2] = (byte)length;
        destination[3] = type;
        destination[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(destination[5..], streamId);
    }

    private static void WriteSetting(Span<byte> destination, ushort id, uint value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, id);
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], value);
    }

    /// <summary>A literal without indexing (RFC 7541 §6.2.2): a static-table name index, or 0 and the name itself.</summary>
    private static void WriteLiteral(MemoryStream block, int nameIndex, string? name, string value)
    {
        WriteInteger(block, 0x00, 4, nameIndex);
        if (name is not null)
        {
            WriteString(block, name);
        }
        WriteString(block, value);
    }

    private static void WriteString(MemoryStream block, string value)
    {
        var bytes = Encoding.ASCII.GetBytes(value);
        WriteInteger(block, 0x00, 7, bytes.Length); // H = 0: not Huffman-coded
        block.Write(bytes);
    }

    /// <summary>An integer with an N-bit prefix (RFC 7541 §5.1) after the representation's leading bits.</summary>
    private static void WriteInteger(MemoryStream block, byte leading, int prefixBits, int value)
    {
        var max = (1 << prefixBits) - 1;
        if (value < max)
        {
            block.WriteByte((byte)(leading | value));
            return;
        }
        block.WriteByte((byte)(leading | max));
        value -= max;
        while (value >= 0x80)
        {
            block.WriteByte((byte)((value & 0x7f) | 0x80));
            value >>= 7;
        }
        block.WriteByte((byte)value);
    }
}

/// <summary>What <see cref="H2cConnection.Exchange"/> learnt of a call: its gRPC status and, on error, the details.</summary>
/// <param name="StatusDetails">grpc-status-details-bin, decoded (a google.rpc.Status), when the server sent one.</param>
internal readonly record struct H2cResponse(StatusCode Status, string Detail, byte[]? StatusDetails);

/// <summary>The server broke HTTP/2 or HPACK: a connection error (RFC 9113 §5.4.1); the connection is dropped.</summary>
internal sealed class Http2ProtocolException(string message, int errorCode) : IOException(message)
{
    public const int ProtocolError = 0x1;
    public const int FlowControlError = 0x3;
    public const int FrameSizeError = 0x6;
    public const int RefusedStream = 0x7;
    public const int Cancel = 0x8;
    public const int CompressionError = 0x9;
    public const int EnhanceYourCalm = 0xb;
    public const int InadequateSecurity = 0xc;

    public int ErrorCode { get; } = errorCode;
}
