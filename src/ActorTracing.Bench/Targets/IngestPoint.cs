namespace ActorTracing.Bench;

/// <summary>One node that accepts OTLP: its name, region and both receivers.</summary>
public sealed record IngestPoint(string Node, string Region, Uri Http, Uri Grpc)
{
    public Uri Endpoint(string protocol) => protocol == "grpc" ? Grpc : Http;
}
