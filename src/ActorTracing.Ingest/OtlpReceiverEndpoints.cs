using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace ActorTracing.Ingest;

/// <summary>
/// The addresses the receivers actually listen on. With port 0 in the settings (tests, several
/// nodes on one machine) the port is known only after Kestrel has bound, which Kestrel writes back
/// into the listen options this class keeps.
/// </summary>
public sealed class OtlpReceiverEndpoints
{
    private ListenOptions? _grpc;
    private ListenOptions? _http;

    /// <summary>The bound gRPC listener, or null when gRPC is disabled or Kestrel has not started.</summary>
    public IPEndPoint? Grpc => Bound(_grpc);

    /// <summary>The bound HTTP listener, or null when HTTP is disabled or Kestrel has not started.</summary>
    public IPEndPoint? Http => Bound(_http);

    /// <summary>http://host:port of the gRPC listener, for clients (the OTLP exporter's Endpoint).</summary>
    public Uri? GrpcUri => ToUri(Grpc);

    /// <summary>http://host:port of the HTTP listener; exports go to <c>{HttpUri}v1/traces</c>.</summary>
    public Uri? HttpUri => ToUri(Http);

    internal void Listen(KestrelServerOptions kestrel, IngestSettings settings)
    {
        if (settings.EnableGrpc)
        {
            // OTLP/gRPC over cleartext is h2c with prior knowledge, so HTTP/1 must not be offered.
            kestrel.Listen(settings.GrpcIPEndPoint, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                _grpc = listen;
            });
        }
        if (settings.EnableHttp)
        {
            // Without TLS (no ALPN) Kestrel serves this as HTTP/1.1 and answers prior-knowledge h2c
            // with HTTP_1_1_REQUIRED; HTTP/2 here would need TLS, which OTLP/HTTP SDKs do not
            // require. Http1AndHttp2 keeps the door open for a TLS listener later.
            var endpoint = settings.HttpIPEndPoint;
            kestrel.Listen(settings.InlineIo ? new InlineIoEndPoint(endpoint.Address, endpoint.Port) : endpoint, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                _http = listen;
            });
        }
    }

    private static IPEndPoint? Bound(ListenOptions? options)
        => options?.EndPoint is IPEndPoint { Port: not 0 } endpoint ? endpoint : null;

    private static Uri? ToUri(IPEndPoint? endpoint)
    {
        if (endpoint is null)
        {
            return null;
        }
        var address = endpoint.Address;
        if (address.Equals(IPAddress.Any))
        {
            address = IPAddress.Loopback;
        }
        else if (address.Equals(IPAddress.IPv6Any))
        {
            address = IPAddress.IPv6Loopback;
        }
        return new Uri($"http://{new IPEndPoint(address, endpoint.Port)}/");
    }
}
