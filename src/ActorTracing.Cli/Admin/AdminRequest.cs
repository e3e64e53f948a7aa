namespace ActorTracing.Cli.Admin;

/// <summary>The HTTP call a command makes; <paramref name="Wait"/> is how long the server may take (the client adds slack).</summary>
public sealed record AdminRequest(HttpMethod Method, string PathAndQuery, TimeSpan Wait);
