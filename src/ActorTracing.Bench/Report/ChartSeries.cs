namespace ActorTracing.Bench;

/// <summary>One line of a chart; <see cref="Dashed"/> for a secondary measure (e.g. RSS beside GC heap).</summary>
public sealed record ChartSeries(string Name, string Color, IReadOnlyList<(double X, double Y)> Points, bool Dashed = false, bool Markers = false);
