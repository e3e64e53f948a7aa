using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;

namespace ActorTracing.Cli.Admin;

/// <summary>
/// HTTP to one admin endpoint. Transport failures become <see cref="AdminUnreachableException"/>
/// (exit 3) with the reason in words; every answer with a JSON body is returned as is, errors
/// included, so the caller maps status codes to exit codes in one place.
/// </summary>
public sealed class AdminClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly AdminTarget _target;

    public AdminClient(AdminTarget target, string? token, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        _target = target;
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.BaseAddress = target.BaseUri;
        // The per-request wait is enforced with a CancellationTokenSource; the default 100 s must not cut it first.
        _http.Timeout = Timeout.InfiniteTimeSpan;
        if (!string.IsNullOrEmpty(token))
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    public async Task<(HttpStatusCode Status, JsonDocument? Body, string Raw)> SendAsync(AdminRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(request.Wait);
        try
        {
            using var message = new HttpRequestMessage(request.Method, request.PathAndQuery.TrimStart('/'));
            using var response = await _http.SendAsync(message, wait.Token).ConfigureAwait(false);
            var raw = await response.Content.ReadAsStringAsync(wait.Token).ConfigureAwait(false);
            JsonDocument? body = null;
            try
            {
                body = raw.Length == 0 ? null : JsonDocument.Parse(raw);
            }
            catch (JsonException)
            {
                // Not our endpoint (or a proxy's error page): the status code still tells what happened.
            }
            return (response.StatusCode, body, raw);
        }
        catch (HttpRequestException e)
        {
            var reason = e.InnerException is SocketException s ? s.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused",
                SocketError.HostNotFound or SocketError.NoData => "unknown host",
                SocketError.TimedOut => "connection timed out",
                SocketError.NetworkUnreachable or SocketError.HostUnreachable => "no route to host",
                _ => s.Message,
            } : e.Message;
            throw new AdminUnreachableException($"cannot reach the admin endpoint at {_target.Display}: {reason}. Is the node running with actortracing.admin enabled on that port?", e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AdminUnreachableException($"the admin endpoint at {_target.Display} did not answer within {request.Wait.TotalSeconds:0.#}s", e);
        }
    }

    public void Dispose() => _http.Dispose();
}
