using Akka.Actor;

namespace ActorTracing.Admin;

/// <summary>
/// `actor hierarchy`: the local actor tree, read from the actor cells directly. Walking with
/// Identify to "path/*" would need a guess of how long to wait for replies; the cells answer
/// immediately and exactly. Only this node's tree: actors of other nodes are theirs to show.
/// </summary>
internal sealed class ActorHierarchy(ActorSystem system, int maxChildren)
{
    public const int DefaultDepth = 3;

    public AdminResponses.ActorNode Show(string? path, int? depth)
    {
        var d = depth ?? DefaultDepth;
        if (d is < 0 or > 20)
        {
            throw AdminRequestException.BadRequest($"depth must be 0-20, not {d}");
        }
        var start = Resolve(string.IsNullOrWhiteSpace(path) ? "/user" : path.Trim());
        return Describe(start, d);
    }

    private IActorRef Resolve(string path)
    {
        if (!path.StartsWith('/'))
        {
            throw AdminRequestException.BadRequest($"'{path}' is not an actor path; expected one like /user or /system/sharding");
        }
        var extended = (ExtendedActorSystem)system;
        IActorRef current = extended.Provider.RootGuardian;
        foreach (var name in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var next = current is ActorRefWithCell cell ? cell.GetSingleChild(name) : ActorRefs.Nobody;
            if (next is null || next.IsNobody())
            {
                throw AdminRequestException.NotFound($"no actor at {path} on this node");
            }
            current = next;
        }
        return current;
    }

    private AdminResponses.ActorNode Describe(IActorRef actor, int depth)
    {
        var children = actor is ActorRefWithCell cell
            ? cell.Children.OrderBy(c => c.Path.Name, StringComparer.Ordinal).ToArray()
            : [];
        var listed = depth == 0 ? [] : children.Take(maxChildren).Select(c => Describe(c, depth - 1)).ToArray();
        var type = actor is ActorRefWithCell withCell ? withCell.Underlying.Props.Type?.Name ?? "?" : actor.GetType().Name;
        return new AdminResponses.ActorNode(
            actor.Path.Name.Length == 0 ? "/" : actor.Path.Name,
            actor.Path.ToStringWithoutAddress(),
            type,
            children.Length,
            children.Length - listed.Length,
            listed);
    }
}
