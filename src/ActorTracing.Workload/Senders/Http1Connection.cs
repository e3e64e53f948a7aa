using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace ActorTracing.Workload;

/// <summary>
/// One keep-alive HTTP/1.1 connection over a blocking socket, just enough for an OTLP export:
/// a POST with a Content-Length body, and a response with a Content-Length, chunked or
/// read-to-close body. Used by <see cref="OtlpHttpSender.Send"/> from a dedicated sender thread.
/// </summary>
/// <remarks>
/// Why not HttpClient: even its sync Send parks idle connections on an async zero-byte read, so
/// every response and every idle transition wakes thread-pool workers, which spin (sched_yield)
/// before sleeping. Measured on the shared 2-core bench machine at 1,000 requests/s of 37 KB:
/// 175–310 µs of CPU per request through HttpClient (async; sync was worse) against 85–110 µs on a
/// blocking socket, most of the difference being that spinning; what remains is the kernel's
/// loopback TCP work. Not thread-safe: one request at a time.
/// </remarks>
internal sealed class Http1Connection : IBlockingConnection
{
    private const int MaxHeaderBytes = 64 * 1024;

    private readonly Socket _socket;
    private readonly List<ArraySegment<byte>> _segments = new(2) { default, default };
    private byte[] _head = new byte[512];
    private byte[] _buffer = new byte[8 * 1024];
    private int _start;
    private int _end;

    private Http1Connection(Socket socket)
    {
        _socket = socket;
    }

    /// <summary>Whether an exchange completed on this connection before (only then can it have gone stale while idle).</summary>
    public bool Reused { get; private set; }

    /// <summary>
    /// Whether any byte of the current exchange's response arrived. A reused connection that fails
    /// before one did was most likely closed by the server while idle, and the request can be sent
    /// again on a new connection at once (what HttpClient does too).
    /// </summary>
    public bool ResponseStarted { get; private set; }

    public static Http1Connection Open(string host, int port, TimeSpan timeout)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp)
        {
            // The head and body go out in one gather write; there is nothing for Nagle to merge.
            // SendBufferSize stays the kernel's autotuned default: a fixed 1 MiB buffer measured
            // 3.5x more CPU per request on loopback.
            NoDelay = true,
            SendTimeout = TimeoutMillis(timeout),
            ReceiveTimeout = TimeoutMillis(timeout),
        };
        try
        {
            socket.Connect(host, port);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new Http1Connection(socket);
    }

    /// <summary>
    /// Sends one request — <paramref name="headPrefix"/> (request line and headers, ending with
    /// "Content-Length: "), the body's length, a blank line, the body — and reads the whole
    /// response. Throws <see cref="SocketException"/> or <see cref="IOException"/> when the
    /// connection fails, after which it must be disposed.
    /// </summary>
    public Http1Response Exchange(ReadOnlySpan<byte> headPrefix, ReadOnlyMemory<byte> body)
    {
        ResponseStarted = false;
        SendAll(headPrefix, body);
        _start = _end = 0;
        var headerEnd = ReadHeaders();
        var response = ParseHead(_buffer.AsSpan(_start, headerEnd - _start));
        _start = headerEnd + 4;
        byte[] content;
        if (response.Chunked)
        {
            content = ReadChunked();
        }
        else if (response.ContentLength >= 0)
        {
            content = ReadExactly(response.ContentLength);
        }
        else
        {
            content = ReadToClose();
            response = response with { KeepAlive = false };
        }
        Reused = true;
        return response with { Body = content };
    }

    public void Dispose() => _socket.Dispose();

    private static int TimeoutMillis(TimeSpan timeout) => (int)Math.Clamp(timeout.TotalMilliseconds, 1, int.MaxValue);

    private void SendAll(ReadOnlySpan<byte> headPrefix, ReadOnlyMemory<byte> body)
    {
        if (_head.Length < headPrefix.Length + 16)
        {
            _head = new byte[headPrefix.Length + 16];
        }
        headPrefix.CopyTo(_head);
        body.Length.TryFormat(_head.AsSpan(headPrefix.Length), out var digits, provider: CultureInfo.InvariantCulture);
        var headLength = headPrefix.Length + digits;
        "\r\n\r\n"u8.CopyTo(_head.AsSpan(headLength));
        headLength += 4;
        if (!MemoryMarshal.TryGetArray(body, out var bodySegment))
        {
            bodySegment = new ArraySegment<byte>(body.ToArray());
        }
        // One sendmsg for head and body: with NoDelay a separate head would be its own segment.
        _segments[0] = new ArraySegment<byte>(_head, 0, headLength);
        _segments[1] = bodySegment;
        var total = headLength + bodySegment.Count;
        var sent = _socket.Send(_segments);
        while (sent < total)
        {
            // A blocking send normally writes everything; a short write continues where it stopped.
            if (sent < headLength)
            {
                sent += _socket.Send(_head, sent, headLength - sent, SocketFlags.None);
            }
            else
            {
                var bodyOffset = sent - headLength;
                sent += _socket.Send(bodySegment.Array!, bodySegment.Offset + bodyOffset, bodySegment.Count - bodyOffset, SocketFlags.None);
            }
        }
    }

    /// <summary>Reads until the blank line after the headers; returns its offset (the buffer holds the head from <see cref="_start"/>).</summary>
    private int ReadHeaders()
    {
        var scanned = 0;
        while (true)
        {
            var found = _buffer.AsSpan(_start + scanned, _end - _start - scanned).IndexOf("\r\n\r\n"u8);
            if (found >= 0)
            {
                var headerEnd = _start + scanned + found;
                // An interim 1xx response (100 Continue) is followed by the real one.
                if (_end - _start >= 12 && _buffer[_start + 9] == (byte)'1')
                {
                    _start = headerEnd + 4;
                    scanned = 0;
                    continue;
                }
                return headerEnd;
            }
            scanned = Math.Max(0, _end - _start - 3);
            if (_end - _start >= MaxHeaderBytes)
            {
                throw new IOException($"response headers longer than {MaxHeaderBytes} bytes");
            }
            if (Fill() == 0)
            {
                throw new IOException(ResponseStarted ? "connection closed inside the response headers" : "connection closed before any response");
            }
            ResponseStarted = true;
        }
    }

    private static Http1Response ParseHead(ReadOnlySpan<byte> head)
    {
        var lineEnd = head.IndexOf("\r\n"u8);
        var statusLine = lineEnd < 0 ? head : head[..lineEnd];
        // "HTTP/1.x NNN reason"
        if (statusLine.Length < 12 || !statusLine.StartsWith("HTTP/1."u8) || statusLine[8] != (byte)' '
            || !int.TryParse(statusLine.Slice(9, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var code))
        {
            throw new IOException($"not an HTTP/1.x status line: '{Encoding.ASCII.GetString(statusLine)}'");
        }
        var keepAlive = statusLine[7] != (byte)'0';
        // The reason phrase only ever reaches an error message.
        var reason = code is >= 200 and < 300 || statusLine.Length <= 13 ? string.Empty : Encoding.ASCII.GetString(statusLine[13..]);
        var contentLength = -1;
        var chunked = false;
        string? contentType = null;
        string? retryAfter = null;
        var rest = lineEnd < 0 ? [] : head[(lineEnd + 2)..];
        while (!rest.IsEmpty)
        {
            lineEnd = rest.IndexOf("\r\n"u8);
            var line = lineEnd < 0 ? rest : rest[..lineEnd];
            rest = lineEnd < 0 ? [] : rest[(lineEnd + 2)..];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                continue;
            }
            var name = line[..colon].Trim((byte)' ');
            var value = line[(colon + 1)..].Trim(" \t"u8);
            if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
            {
                if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out contentLength))
                {
                    throw new IOException($"invalid Content-Length '{Encoding.ASCII.GetString(value)}'");
                }
            }
            else if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
            {
                chunked = Contains(value, "chunked");
            }
            else if (Ascii.EqualsIgnoreCase(name, "Connection"u8))
            {
                keepAlive = Contains(value, "keep-alive") || (keepAlive && !Contains(value, "close"));
            }
            else if (Ascii.EqualsIgnoreCase(name, "Content-Type"u8))
            {
                contentType = Encoding.ASCII.GetString(value);
            }
            else if (Ascii.EqualsIgnoreCase(name, "Retry-After"u8))
            {
                retryAfter = Encoding.ASCII.GetString(value);
            }
        }
        return new Http1Response(code, reason, contentType, retryAfter, [], keepAlive, contentLength, chunked);
    }

    private static bool Contains(ReadOnlySpan<byte> value, string token) =>
        Encoding.ASCII.GetString(value).Contains(token, StringComparison.OrdinalIgnoreCase);

    private byte[] ReadExactly(int length)
    {
        if (length == 0)
        {
            return [];
        }
        var content = new byte[length];
        var copied = Math.Min(length, _end - _start);
        _buffer.AsSpan(_start, copied).CopyTo(content);
        _start += copied;
        while (copied < length)
        {
            var read = _socket.Receive(content, copied, length - copied, SocketFlags.None);
            if (read == 0)
            {
                throw new IOException($"connection closed after {copied} of {length} body bytes");
            }
            copied += read;
        }
        return content;
    }

    private byte[] ReadChunked()
    {
        using var content = new MemoryStream();
        while (true)
        {
            var line = ReadLine();
            var semicolon = line.IndexOf(';', StringComparison.Ordinal);
            var sizeText = (semicolon >= 0 ? line[..semicolon] : line).Trim();
            if (!int.TryParse(sizeText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size) || size < 0)
            {
                throw new IOException($"invalid chunk size '{line}'");
            }
            if (size == 0)
            {
                // Trailers, if any, end with an empty line.
                while (ReadLine().Length > 0)
                {
                }
                return content.ToArray();
            }
            content.Write(ReadExactly(size));
            if (ReadLine().Length != 0)
            {
                throw new IOException("chunk not followed by CRLF");
            }
        }
    }

    private byte[] ReadToClose()
    {
        using var content = new MemoryStream();
        content.Write(_buffer, _start, _end - _start);
        _start = _end;
        var chunk = new byte[8 * 1024];
        int read;
        while ((read = _socket.Receive(chunk)) > 0)
        {
            content.Write(chunk, 0, read);
        }
        return content.ToArray();
    }

    private string ReadLine()
    {
        while (true)
        {
            var found = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8);
            if (found >= 0)
            {
                var line = Encoding.ASCII.GetString(_buffer, _start, found);
                _start += found + 2;
                return line;
            }
            if (_end - _start >= MaxHeaderBytes)
            {
                throw new IOException("chunk header too long");
            }
            if (Fill() == 0)
            {
                throw new IOException("connection closed inside a chunked body");
            }
        }
    }

    /// <summary>Reads more bytes after <see cref="_end"/>, compacting or growing the buffer first; 0 at end of stream.</summary>
    private int Fill()
    {
        if (_start > 0 && _start == _end)
        {
            _start = _end = 0;
        }
        if (_end == _buffer.Length)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            else
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }
        }
        var read = _socket.Receive(_buffer, _end, _buffer.Length - _end, SocketFlags.None);
        _end += read;
        return read;
    }
}

/// <summary>What a sender needs of an HTTP/1.1 response.</summary>
/// <param name="ContentLength">The declared length, or -1 when none was given.</param>
internal readonly record struct Http1Response(
    int Status,
    string Reason,
    string? ContentType,
    string? RetryAfter,
    byte[] Body,
    bool KeepAlive,
    int ContentLength,
    bool Chunked);
