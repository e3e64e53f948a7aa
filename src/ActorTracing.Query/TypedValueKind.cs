namespace ActorTracing.Query;

/// <summary>The value types a Jaeger tag (and an OTLP AnyValue scalar) can carry.</summary>
internal enum TypedValueKind
{
    String,
    Bool,
    Int64,
    Float64,
}
