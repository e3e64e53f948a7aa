using Akka.Persistence;

namespace ActorTracing.Persistence.Redis;

/// <summary>
/// Asks the Redis journal for the first stored event of each of many persistence ids, answered
/// with one <see cref="FirstEventsRead"/> (or a <see cref="Akka.Actor.Status.Failure"/>) to the
/// sender. A recovery probe for entities that persist at most one event, or only need their first:
/// a <see cref="ReplayMessages"/> per id costs a sequence-nr read and a range read after it, a
/// replay-filter actor in the journal and a reply address in the asker; this is one pipelined
/// batch of range reads for all the ids. Not part of Akka.Persistence's journal protocol — only
/// <see cref="RedisJournal"/> answers it (<see cref="RedisJournal.AnswersReadFirstEvents"/>).
/// </summary>
/// <param name="PersistenceIds">The ids, in the order their answers come back.</param>
public sealed record ReadFirstEvents(IReadOnlyList<string> PersistenceIds);

/// <summary>The answer to <see cref="ReadFirstEvents"/>: per id, in request order, its first event or null.</summary>
public sealed record FirstEventsRead(IReadOnlyList<IPersistentRepresentation?> Events);
