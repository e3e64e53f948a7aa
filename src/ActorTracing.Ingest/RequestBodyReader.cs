using System.Buffers;
using System.IO.Compression;
using System.Runtime.CompilerServices;
using ActorTracing.Domain;

namespace ActorTracing.Ingest;

internal enum BodyReadStatus
{
    Ok,
    TooLarge,
    InvalidEncoding,
}

/// <summary>
/// The body in a pooled buffer the decoded spans may slice (the caller holds its one share and
/// gives it back when done), or why there is none.
/// </summary>
internal readonly record struct BodyReadResult(BodyReadStatus Status, SharedBuffer? Body, string? Problem)
{
    public static BodyReadResult TooLarge(int limit) => new(BodyReadStatus.TooLarge, null, $"request body exceeds the limit of {limit} bytes");

    public static BodyReadResult Invalid(string problem) => new(BodyReadStatus.InvalidEncoding, null, problem);
}

/// <summary>
/// Reads a request body under a byte limit into a <see cref="SharedBuffer"/> of exactly its
/// length: the decoded spans slice it until the trace shards have copied them, then it goes back
/// to <see cref="SharedBufferPool.Requests"/>. When the size is not known up front (chunked or
/// gzip) the body is read into scratch first and copied once it is whole.
/// </summary>
internal static class RequestBodyReader
{
    private const int InitialScratchBytes = 16 * 1024;

    // The read methods return pooled ValueTasks: a body read completes asynchronously on almost
    // every request, and its state machine was a fresh Task per request (3.4 % of everything the
    // node allocated at 160k spans/s, by dotnet-trace's allocation ticks). Each is awaited once.

    /// <param name="declaredLength">Content-Length, or null for chunked bodies.</param>
    /// <param name="gzip">Whether the body is gzip-encoded; the limit then applies to the inflated bytes too.</param>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<BodyReadResult> ReadAsync(Stream body, long? declaredLength, bool gzip, int limit, CancellationToken cancellationToken)
    {
        // A compressed body larger than the limit would inflate larger still, so the declared
        // length is checked in both cases before anything is read.
        if (declaredLength > limit)
        {
            return BodyReadResult.TooLarge(limit);
        }
        if (!gzip)
        {
            return declaredLength is { } length
                ? await ReadExactAsync(body, (int)length, cancellationToken).ConfigureAwait(false)
                : await ReadUnknownAsync(body, InitialScratchBytes, limit, cancellationToken).ConfigureAwait(false);
        }

        var gzipStream = new GZipStream(body, CompressionMode.Decompress, leaveOpen: true);
        await using (gzipStream.ConfigureAwait(false))
        {
            try
            {
                // OTLP bodies compress ~5-10x; start near that to avoid most regrowth.
                var hint = declaredLength is { } compressed ? (int)Math.Min(compressed * 8, limit + 1L) : InitialScratchBytes;
                return await ReadUnknownAsync(gzipStream, hint, limit, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidDataException ex)
            {
                return BodyReadResult.Invalid("invalid gzip body: " + ex.Message);
            }
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<BodyReadResult> ReadExactAsync(Stream body, int length, CancellationToken cancellationToken)
    {
        var buffer = SharedBufferPool.Requests.Rent(length);
        var complete = false;
        try
        {
            var read = await body.ReadAtLeastAsync(buffer.Writable, length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            complete = read == length;
            return complete
                ? new BodyReadResult(BodyReadStatus.Ok, buffer, null)
                : BodyReadResult.Invalid($"request body ended after {read} of the {length} bytes Content-Length declared");
        }
        finally
        {
            if (!complete)
            {
                buffer.Release();
            }
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<BodyReadResult> ReadUnknownAsync(Stream source, int sizeHint, int limit, CancellationToken cancellationToken)
    {
        // Reading one byte past the limit is how an oversize stream is told apart from one exactly at it.
        var cap = limit + 1;
        var scratch = ArrayPool<byte>.Shared.Rent(Math.Clamp(sizeHint, 256, cap));
        var total = 0;
        try
        {
            while (true)
            {
                if (total == scratch.Length)
                {
                    var grown = ArrayPool<byte>.Shared.Rent((int)Math.Min(scratch.Length * 2L, cap));
                    scratch.AsSpan(0, total).CopyTo(grown);
                    ArrayPool<byte>.Shared.Return(scratch);
                    scratch = grown;
                }
                var read = await source.ReadAsync(scratch.AsMemory(total, Math.Min(scratch.Length, cap) - total), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    var body = SharedBufferPool.Requests.Rent(total);
                    scratch.AsSpan(0, total).CopyTo(body.Writable.Span);
                    return new BodyReadResult(BodyReadStatus.Ok, body, null);
                }
                total += read;
                if (total > limit)
                {
                    return BodyReadResult.TooLarge(limit);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }
}
