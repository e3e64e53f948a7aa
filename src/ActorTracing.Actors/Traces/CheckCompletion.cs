using Akka.Actor;
using Akka.Event;

namespace ActorTracing.Actors.Traces;

/// <summary>Timer tick: look at the buffer again. Suppressed from dead letters (it may fire while stopping).</summary>
internal sealed class CheckCompletion : IDeadLetterSuppression, INotInfluenceReceiveTimeout
{
    public static readonly CheckCompletion Instance = new();

    private CheckCompletion()
    {
    }
}
