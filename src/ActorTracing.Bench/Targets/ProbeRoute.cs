namespace ActorTracing.Bench;

/// <summary>
/// Where the two halves of a stitching probe enter: the first (root and client span) through
/// <see cref="First"/> labelled <see cref="FirstRegion"/>, the second (the remote server span)
/// through <see cref="Second"/> labelled <see cref="SecondRegion"/>. <see cref="ViaTwoRegions"/>
/// is true only when the halves really enter through nodes of two different regions; otherwise
/// the regions are just resource attributes on spans sent to one region.
/// </summary>
public sealed record ProbeRoute(Uri First, string FirstRegion, string FirstNode, Uri Second, string SecondRegion, string SecondNode, bool ViaTwoRegions)
{
    /// <summary>For the report: which node and region each half went through.</summary>
    public string Describe() =>
        ViaTwoRegions ? $"{FirstRegion} → {FirstNode} ({First}), {SecondRegion} → {SecondNode} ({Second})"
        : FirstNode != SecondNode ? $"one region only: first half → {FirstNode}, second half → {SecondNode} (labelled {SecondRegion})"
        : $"both halves to {FirstNode}, regions {FirstRegion}/{SecondRegion}";
}
