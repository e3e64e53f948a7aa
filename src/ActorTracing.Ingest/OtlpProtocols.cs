namespace ActorTracing.Ingest;

/// <summary>The protocol names the receivers pass to <c>ITraceIngress.Submit</c> and count requests under.</summary>
public static class OtlpProtocols
{
    public const string Grpc = "grpc";
    public const string HttpProtobuf = "http-protobuf";
    public const string HttpJson = "http-json";
}
