namespace ActorTracing.Bench;

/// <summary>What a load generator process does.</summary>
public enum LoadGenMode
{
    /// <summary>The edge traffic model, open-loop at a target span rate.</summary>
    Load = 0,

    /// <summary>A few error traces (always kept) split in two halves, possibly via two ingest endpoints, to time stitching.</summary>
    Probe = 1,
}
