namespace ActorTracing.Domain.Otlp;

/// <summary>
/// Field numbers of the OTLP trace protos (opentelemetry-proto collector/trace/v1, trace/v1,
/// common/v1, resource/v1). They are the wire contract with every SDK: never renumber.
/// </summary>
public static class OtlpFields
{
    public const int RequestResourceSpans = 1;

    public const int ResponsePartialSuccess = 1;
    public const int PartialSuccessRejectedSpans = 1;
    public const int PartialSuccessErrorMessage = 2;

    public const int ResourceSpansResource = 1;
    public const int ResourceSpansScopeSpans = 2;
    public const int ResourceSpansSchemaUrl = 3;

    public const int ScopeSpansScope = 1;
    public const int ScopeSpansSpans = 2;
    public const int ScopeSpansSchemaUrl = 3;

    public const int SpanTraceId = 1;
    public const int SpanSpanId = 2;
    public const int SpanTraceState = 3;
    public const int SpanParentSpanId = 4;
    public const int SpanName = 5;
    public const int SpanKind = 6;
    public const int SpanStartTime = 7;
    public const int SpanEndTime = 8;
    public const int SpanAttributes = 9;
    public const int SpanDroppedAttributesCount = 10;
    public const int SpanEvents = 11;
    public const int SpanDroppedEventsCount = 12;
    public const int SpanLinks = 13;
    public const int SpanDroppedLinksCount = 14;
    public const int SpanStatus = 15;
    public const int SpanFlags = 16;

    public const int EventTime = 1;
    public const int EventName = 2;
    public const int EventAttributes = 3;
    public const int EventDroppedAttributesCount = 4;

    public const int LinkTraceId = 1;
    public const int LinkSpanId = 2;
    public const int LinkTraceState = 3;
    public const int LinkAttributes = 4;
    public const int LinkDroppedAttributesCount = 5;
    public const int LinkFlags = 6;

    // Status field 1 is reserved (the removed deprecated_code).
    public const int StatusMessage = 2;
    public const int StatusCode = 3;

    public const int ResourceAttributes = 1;
    public const int ResourceDroppedAttributesCount = 2;

    public const int ScopeName = 1;
    public const int ScopeVersion = 2;
    public const int ScopeAttributes = 3;
    public const int ScopeDroppedAttributesCount = 4;

    public const int KeyValueKey = 1;
    public const int KeyValueValue = 2;

    // Not OTLP: a trace buffer's compact spans hold an attribute key as an id in this KeyValue
    // field instead of field 1 (see Completion.CompactSpan). Never written to the wire.
    public const int KeyValueKeyId = 15;

    public const int AnyString = 1;
    public const int AnyBool = 2;
    public const int AnyInt = 3;
    public const int AnyDouble = 4;
    public const int AnyArray = 5;
    public const int AnyKvList = 6;
    public const int AnyBytes = 7;

    // ArrayValue.values and KeyValueList.values are both field 1.
    public const int ListValues = 1;
}
