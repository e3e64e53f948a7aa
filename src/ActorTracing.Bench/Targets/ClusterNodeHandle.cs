using ActorTracing.Node.Topology;

namespace ActorTracing.Bench;

/// <summary>A node of the cluster file running as process <paramref name="Pid"/> on this machine.</summary>
public sealed record ClusterNodeHandle(TopologyNode Node, int Pid);
