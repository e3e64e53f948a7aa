namespace ActorTracing.Bench;

/// <summary>
/// Where the load generator sends the export requests of one traffic-model region: requests whose
/// resources carry <c>cloud.region = Region</c> go to <see cref="Endpoint"/> (several routes of one
/// region share its requests in turn). Spelled <c>region=url</c> on the loadgen command line.
/// </summary>
public sealed record LoadRoute(string Region, Uri Endpoint)
{
    public override string ToString() => $"{Region}={Endpoint}";

    /// <summary>Routes as one `--routes` value: comma-separated <c>region=url</c> pairs.</summary>
    public static string Format(IEnumerable<LoadRoute> routes) => string.Join(',', routes);

    /// <exception cref="FormatException">A pair is not <c>region=absolute-url</c>; the message names it.</exception>
    public static IReadOnlyList<LoadRoute> ParseList(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var routes = new List<LoadRoute>();
        foreach (var pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || !Uri.TryCreate(pair[(eq + 1)..], UriKind.Absolute, out var uri))
            {
                throw new FormatException($"'{pair}' is not region=URL (example: iad=http://127.0.0.1:4318)");
            }
            routes.Add(new LoadRoute(pair[..eq], uri));
        }
        return routes;
    }
}
