using System.IO.Compression;
using Grpc.Core;
using Grpc.Net.Compression;

namespace ActorTracing.Ingest;

/// <summary>
/// gzip for gRPC messages with a cap on the inflated size. Grpc.AspNetCore checks
/// MaxReceiveMessageSize only on the compressed frame and then inflates into an unbounded
/// MemoryStream, so a few MiB of gzip could expand to gigabytes; this provider stops at the limit.
/// </summary>
internal sealed class BoundedGzipCompressionProvider(int maxInflatedBytes, IngestCounters counters) : ICompressionProvider
{
    public string EncodingName => "gzip";

    public Stream CreateCompressionStream(Stream stream, CompressionLevel? compressionLevel)
        => new GZipStream(stream, compressionLevel ?? CompressionLevel.Fastest, leaveOpen: true);

    public Stream CreateDecompressionStream(Stream stream)
        => new LimitedReadStream(new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true), maxInflatedBytes, counters);

    private sealed class LimitedReadStream(Stream inner, int limit, IngestCounters counters) : Stream
    {
        private long _total;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _total;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int read;
            try
            {
                read = inner.Read(buffer);
            }
            catch (InvalidDataException ex)
            {
                counters.Malformed();
                throw new RpcException(new Status(StatusCode.InvalidArgument, "invalid gzip message: " + ex.Message));
            }
            _total += read;
            if (_total > limit)
            {
                counters.Oversize();
                throw new RpcException(new Status(
                    StatusCode.ResourceExhausted,
                    $"inflated message exceeds the limit of {limit} bytes (actortracing.ingest.max-request-size)"));
            }
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
