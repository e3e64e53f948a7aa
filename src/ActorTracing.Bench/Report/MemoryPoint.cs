namespace ActorTracing.Bench;

/// <summary>Memory of the node process while traces are held open: buffered spans against GC heap and RSS.</summary>
public sealed record MemoryPoint(long BufferedSpans, long GcHeapBytes, long RssBytes);
