using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;

namespace ActorTracing.Query;

/// <summary>
/// Serves the web UI from resources embedded in this assembly (ui/*: one HTML page, one script,
/// one stylesheet; no external resources, so it works offline). Files are read once at start.
/// </summary>
internal sealed class TraceQueryUi
{
    private const string ResourcePrefix = "ActorTracing.Query.ui.";

    private readonly FrozenDictionary<string, (byte[] Content, string ContentType)> _files;
    private readonly QueryEndpoints _endpoints;

    public TraceQueryUi(QueryEndpoints endpoints)
    {
        _endpoints = endpoints;
        var assembly = typeof(TraceQueryUi).Assembly;
        var files = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            var file = name[ResourcePrefix.Length..];
            files[file] = (memory.ToArray(), ContentType(file));
        }
        _files = files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public IReadOnlyCollection<string> Files => _files.Keys;

    /// <summary>The page itself for `/` and for every client-side route, so a reload keeps working.</summary>
    public Task IndexAsync(HttpContext context) => ServeAsync(context, "index.html");

    public Task FileAsync(HttpContext context) =>
        ServeAsync(context, context.Request.RouteValues.TryGetValue("file", out var f) && f is string s ? s : string.Empty);

    private async Task ServeAsync(HttpContext context, string file)
    {
        if (!_endpoints.Accepts(context) || !_files.TryGetValue(file, out var entry))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        context.Response.ContentType = entry.ContentType;
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Content-Type-Options"] = "nosniff";
        // The page loads only its own script and stylesheet.
        context.Response.Headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'";
        await context.Response.Body.WriteAsync(entry.Content, context.RequestAborted).ConfigureAwait(false);
    }

    private static string ContentType(string file) => Path.GetExtension(file) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };
}
