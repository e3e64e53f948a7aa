using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace ActorTracing.Query;

/// <summary>
/// The address the query listener actually bound. With port 0 in the settings (tests, several
/// nodes on one machine) the port is known only after Kestrel has bound, which Kestrel writes back
/// into the listen options kept here.
/// </summary>
public sealed class QueryEndpoints
{
    private ListenOptions? _listen;

    /// <summary>The bound listener, or null when the API is disabled, not listening itself, or Kestrel has not started.</summary>
    public IPEndPoint? Endpoint => _listen?.EndPoint is IPEndPoint { Port: not 0 } endpoint ? endpoint : null;

    /// <summary>http://host:port/ of the listener (the UI's address).</summary>
    public Uri? Uri
    {
        get
        {
            if (Endpoint is not { } endpoint)
            {
                return null;
            }
            var address = endpoint.Address.Equals(IPAddress.Any) ? IPAddress.Loopback
                : endpoint.Address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
                : endpoint.Address;
            return new Uri($"http://{new IPEndPoint(address, endpoint.Port)}/");
        }
    }

    internal void Listen(KestrelServerOptions kestrel, QuerySettings settings)
    {
        kestrel.Listen(settings.IPEndPoint, listen =>
        {
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            _listen = listen;
        });
    }

    /// <summary>
    /// True when a request came in on the query listener. ASP.NET routing cannot tell listeners
    /// apart, so without this check the OTLP ports would serve the UI and API as well.
    /// </summary>
    internal bool Accepts(HttpContext context) =>
        _listen is null || Endpoint is not { } bound || context.Connection.LocalPort == bound.Port;
}
