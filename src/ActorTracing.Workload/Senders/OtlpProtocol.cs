namespace ActorTracing.Workload;

/// <summary>The OTLP transport a sender speaks.</summary>
public enum OtlpProtocol
{
    /// <summary>POST /v1/traces with application/x-protobuf (default port 4318).</summary>
    HttpProtobuf = 0,

    /// <summary>TraceService/Export over HTTP/2 (h2c on http:// endpoints; default port 4317).</summary>
    Grpc = 1,
}
