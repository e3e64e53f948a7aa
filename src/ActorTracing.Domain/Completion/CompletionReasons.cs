namespace ActorTracing.Domain.Completion;

/// <summary>Why a trace was decided when it was — Refinery's send reasons, plus the missing-parent case.</summary>
public static class CompletionReasons
{
    /// <summary>The root arrived, every parent is present, and send-delay passed with no new span.</summary>
    public const string GotRoot = "got_root";

    /// <summary>Trace timeout reached and the root never arrived.</summary>
    public const string ExpiredNoRoot = "expired/no_root";

    /// <summary>Trace timeout reached with the root present but some span's parent still missing (often another region's fragment).</summary>
    public const string ExpiredMissingParent = "expired/missing_parent";

    /// <summary>Trace timeout reached with the root and all parents present, but spans kept arriving within send-delay.</summary>
    public const string ExpiredActive = "expired/active";

    public const string SpanLimit = "span_limit";

    public const string ByteLimit = "byte_limit";

    /// <summary>The node is leaving or the shard is moving and the trace was decided early rather than dropped.</summary>
    public const string HandOff = "hand_off";
}
