using System.Net;

namespace ActorTracing.Workload.Tests;

/// <summary>An HTTP transport that answers from a script and keeps every request body it saw.</summary>
internal sealed class StubHandler : HttpMessageHandler
{
    private readonly Func<int, HttpRequestMessage, HttpResponseMessage> _respond;
    private int _calls;

    public StubHandler(Func<int, HttpRequestMessage, HttpResponseMessage> respond) => _respond = respond;

    public List<(HttpRequestMessage Request, byte[] Body)> Requests { get; } = [];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        int call;
        lock (Requests)
        {
            Requests.Add((request, body));
            call = _calls++;
        }
        var response = _respond(call, request);
        response.RequestMessage = request;
        return response;
    }

    public static HttpResponseMessage Status(HttpStatusCode code) => new(code) { Content = new ByteArrayContent([]) };
}
