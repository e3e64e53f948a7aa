using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;

namespace ActorTracing.Storage;

/// <summary>
/// A minimal client for ClickHouse's HTTP interface (port 8123), written against 18.16 and later:
/// every statement is a POST with the SQL in the <c>query</c> URL parameter (or, past 8 KB, as the
/// body), an INSERT's rows stream as the request body (<c>INSERT ... FORMAT RowBinary</c>). Thread-safe; one instance per
/// server, it pools its connections. Every failure is a <see cref="StorageException"/> naming the
/// server and, when ClickHouse said so, its error code (<see cref="StorageException.ErrorCode"/>).
/// </summary>
public sealed partial class ClickHouseHttpClient : IDisposable
{
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(30);

    private const int MaxErrorTextLength = 2_000;
    private const int MaxSqlInMessage = 200;

    // ClickHouse's HTTP server (Poco) rejects URIs over 16 KB; longer statements go in the body.
    private const int MaxSqlInUrl = 8 * 1024;

    private readonly HttpClient _http;
    private readonly AuthenticationHeaderValue? _authorization;

    /// <param name="endpoint">The server's HTTP interface, e.g. http://127.0.0.1:8123 (a path is kept as a prefix).</param>
    /// <param name="user">ClickHouse user; with neither user nor password no credentials are sent (the server's "default" user).</param>
    /// <param name="password">The user's password; empty for none.</param>
    /// <param name="requestTimeout">Longest one request may take, body upload and response included.</param>
    /// <param name="handler">The HTTP handler to use (tests); null for a pooled SocketsHttpHandler.</param>
    public ClickHouseHttpClient(Uri endpoint, string? user = null, string? password = null, TimeSpan? requestTimeout = null, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"'{endpoint}' is not an http(s) URL.", nameof(endpoint));
        }
        var timeout = requestTimeout ?? DefaultRequestTimeout;
        if (timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(requestTimeout), timeout, "The request timeout must be > 0.");
        }
        Endpoint = endpoint.AbsoluteUri.EndsWith('/') ? endpoint : new Uri(endpoint.AbsoluteUri + "/");
        RequestTimeout = timeout;
        // A password alone is for the server's "default" user, as clickhouse-client reads it.
        User = !string.IsNullOrEmpty(user) ? user : string.IsNullOrEmpty(password) ? null : "default";
        if (User is not null)
        {
            // Basic auth rather than user/password URL parameters: URLs end up in proxy and server logs.
            _authorization = new AuthenticationHeaderValue(
                "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{password ?? string.Empty}")));
        }
        // Connections are recycled so a server that moved (DNS) or restarted is picked up, and an
        // idle one is dropped before ClickHouse's keep_alive_timeout (3 s by default) closes it from
        // the server side: reusing a connection the server is closing fails the request, which the
        // writer would retry and count as a failure. The timeout is enforced per request below, not
        // by HttpClient, to tell it from a caller's cancel.
        _http = handler is null
            ? new HttpClient(
                new SocketsHttpHandler
                {
                    PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                    PooledConnectionIdleTimeout = TimeSpan.FromSeconds(2),
                    ConnectTimeout = timeout,
                },
                disposeHandler: true)
            : new HttpClient(handler, disposeHandler: false);
        _http.Timeout = Timeout.InfiniteTimeSpan;
    }

    public Uri Endpoint { get; }

    public string? User { get; }

    public TimeSpan RequestTimeout { get; }

    /// <summary>Completes when <c>GET /ping</c> answers "Ok."; throws <see cref="StorageException"/> otherwise.</summary>
    public async Task PingAsync(CancellationToken cancellationToken)
    {
        var body = await SendAsync(HttpMethod.Get, new Uri(Endpoint, "ping"), content: null, "ping", cancellationToken).ConfigureAwait(false);
        if (!Encoding.UTF8.GetString(body).StartsWith("Ok.", StringComparison.Ordinal))
        {
            throw new StorageException($"ClickHouse {Endpoint}: /ping answered '{Abbreviate(Encoding.UTF8.GetString(body))}' instead of 'Ok.'.");
        }
    }

    /// <summary>Runs a statement without result rows (DDL, ALTER, INSERT ... SELECT).</summary>
    /// <param name="settings">ClickHouse settings for this query only, sent as URL parameters (e.g. database).</param>
    public async Task ExecuteAsync(string sql, IReadOnlyDictionary<string, string>? settings, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        _ = await SendStatementAsync(sql, settings, cancellationToken).ConfigureAwait(false);
    }

    public Task ExecuteAsync(string sql, CancellationToken cancellationToken) => ExecuteAsync(sql, null, cancellationToken);

    /// <summary>
    /// Sends <paramref name="data"/> (already in <paramref name="format"/>, e.g. RowBinary) as the body
    /// of <c>{insertSql} FORMAT {format}</c>. The memory is only read until the task completes.
    /// A single request's rows are one insert block, so they are stored all or none.
    /// </summary>
    public async Task InsertAsync(string insertSql, string format, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(insertSql);
        ValidateFormat(format);
        var sql = $"{insertSql} FORMAT {format}";
        using var content = new ReadOnlyMemoryContent(data);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        _ = await SendAsync(HttpMethod.Post, QueryUri(sql, settings: null), content, sql, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a SELECT and returns its whole result in <paramref name="format"/> (e.g. TabSeparated,
    /// JSONEachRow) as UTF-8 text. The server buffers the result first (wait_end_of_query), so an
    /// error in the middle of a result is an exception here, not a truncated answer.
    /// </summary>
    public async Task<string> QueryAsync(string sql, string format, CancellationToken cancellationToken)
    {
        var bytes = await QueryBytesAsync(sql, format, cancellationToken).ConfigureAwait(false);
        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>As <see cref="QueryAsync"/>, for binary formats (RowBinary, Native).</summary>
    public Task<byte[]> QueryBytesAsync(string sql, string format, CancellationToken cancellationToken) =>
        QueryBytesAsync(sql, format, settings: null, cancellationToken);

    /// <summary>
    /// As <see cref="QueryBytesAsync(string, string, CancellationToken)"/> with ClickHouse settings for
    /// this query only (URL parameters, e.g. max_execution_time, max_result_rows).
    /// </summary>
    public async Task<byte[]> QueryBytesAsync(string sql, string format, IReadOnlyDictionary<string, string>? settings, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        ValidateFormat(format);
        var full = $"{sql.TrimEnd().TrimEnd(';')} FORMAT {format}";
        var all = new Dictionary<string, string>(StringComparer.Ordinal) { ["wait_end_of_query"] = "1" };
        if (settings is not null)
        {
            foreach (var (name, value) in settings)
            {
                all[name] = value;
            }
        }
        return await SendStatementAsync(full, all, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _http.Dispose();

    /// <summary>
    /// The error code of a ClickHouse error text: "Code: 81, e.displayText() = DB::Exception: ..."
    /// (18.x) or "Code: 81. DB::Exception: ..." (later versions). Null when the text has none.
    /// </summary>
    public static int? ParseErrorCode(string? errorText)
    {
        if (errorText is null)
        {
            return null;
        }
        var match = ErrorCodePattern().Match(errorText);
        return match.Success && int.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var code) ? code : null;
    }

    /// <summary>A statement without data: the SQL in the URL, or in the body when it is too long for a URL.</summary>
    private async Task<byte[]> SendStatementAsync(string sql, IReadOnlyDictionary<string, string>? settings, CancellationToken cancellationToken)
    {
        var escaped = Uri.EscapeDataString(sql);
        if (escaped.Length <= MaxSqlInUrl)
        {
            return await SendAsync(HttpMethod.Post, QueryUri(sql, settings), content: null, sql, cancellationToken).ConfigureAwait(false);
        }
        using var body = new StringContent(sql, Encoding.UTF8, "text/plain");
        return await SendAsync(HttpMethod.Post, QueryUri(sql: null, settings), body, sql, cancellationToken).ConfigureAwait(false);
    }

    private Uri QueryUri(string? sql, IReadOnlyDictionary<string, string>? settings)
    {
        var query = new StringBuilder("?");
        if (sql is not null)
        {
            query.Append("query=").Append(Uri.EscapeDataString(sql));
        }
        if (settings is not null)
        {
            foreach (var (name, value) in settings)
            {
                query.Append(query.Length > 1 ? "&" : string.Empty).Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
            }
        }
        return new Uri(Endpoint, query.ToString());
    }

    private async Task<byte[]> SendAsync(HttpMethod method, Uri uri, HttpContent? content, string sql, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        using var request = new HttpRequestMessage(method, uri) { Content = content };
        request.Headers.Authorization = _authorization;
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return body;
            }
            throw ServerError(response, body, sql);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new StorageException(
                $"ClickHouse {Endpoint}: no answer within {RequestTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s (query: {Abbreviate(sql)}).", errorCode: null, e);
        }
        catch (HttpRequestException e)
        {
            throw new StorageException($"ClickHouse {Endpoint}: request failed: {e.Message} (query: {Abbreviate(sql)}).", errorCode: null, e);
        }
    }

    private StorageException ServerError(HttpResponseMessage response, byte[] body, string sql)
    {
        var text = Encoding.UTF8.GetString(body).Trim();
        // Since 19.x the code comes as a header too; 18.16 only has it in the text.
        var code = response.Headers.TryGetValues("X-ClickHouse-Exception-Code", out var values)
            && int.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var headerCode)
                ? headerCode
                : ParseErrorCode(text);
        var status = (int)response.StatusCode;
        var hint = response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden || code is 192 or 193 or 516
            ? $" Check actortracing.storage.user / password (user '{User ?? "default"}')."
            : string.Empty;
        var message = string.Create(
            CultureInfo.InvariantCulture,
            $"ClickHouse {Endpoint} answered HTTP {status}{(code is { } c ? $", code {c}" : string.Empty)}: {Abbreviate(text, MaxErrorTextLength)}{hint} (query: {Abbreviate(sql)})");
        return new StorageException(message, code);
    }

    private static void ValidateFormat(string format)
    {
        if (string.IsNullOrEmpty(format) || !FormatPattern().IsMatch(format))
        {
            throw new ArgumentException($"'{format}' is not a ClickHouse format name.", nameof(format));
        }
    }

    private static string Abbreviate(string text, int max = MaxSqlInMessage)
    {
        var oneLine = WhitespacePattern().Replace(text, " ").Trim();
        return oneLine.Length <= max ? oneLine : string.Concat(oneLine.AsSpan(0, max), "...");
    }

    [GeneratedRegex(@"Code:\s*(\d+)")]
    private static partial Regex ErrorCodePattern();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]*$")]
    private static partial Regex FormatPattern();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespacePattern();
}
