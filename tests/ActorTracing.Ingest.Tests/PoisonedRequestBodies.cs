using System.Runtime.CompilerServices;
using ActorTracing.Domain;

namespace ActorTracing.Ingest.Tests;

/// <summary>
/// Every test assembly that runs the receivers (this one; linked into the node, cluster and
/// integration tests) poisons the request bodies the receivers give back to their pool: a span
/// still read after its body went back then reads 0xFF bytes and fails to decode or compare,
/// instead of passing with another request's bytes by luck. The same for kept traces' bytes, which
/// storage gives back once it has written their rows.
/// </summary>
internal static class PoisonedRequestBodies
{
#pragma warning disable CA2255 // A module initializer is the one place that runs before any test of the assembly.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Poison()
    {
        SharedBufferPool.Requests.PoisonReturned = true;
        SharedBufferPool.KeptTraces.PoisonReturned = true;
    }
}
