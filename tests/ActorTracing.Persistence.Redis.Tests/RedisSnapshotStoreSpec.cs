using Akka.Persistence;
using Xunit.Abstractions;

namespace ActorTracing.Persistence.Redis.Tests;

/// <summary>
/// The snapshot store contract as Akka's snapshot store TCK checks it: save, load by criteria, delete
/// by metadata and by criteria, through SaveSnapshot / LoadSnapshot / DeleteSnapshot(s).
/// </summary>
public sealed class RedisSnapshotStoreSpec : RedisSpecBase
{
    private static readonly DateTime T0 = new(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);

    public RedisSnapshotStoreSpec(RedisServerFixture redis, ITestOutputHelper output)
        : base(redis, output)
    {
    }

    [Fact]
    public void Loading_with_no_snapshot_saved_returns_none()
    {
        Assert.Null(Load(NewPersistenceId(), SnapshotSelectionCriteria.Latest));
    }

    [Fact]
    public void Loading_the_latest_returns_the_newest_snapshot_with_its_metadata()
    {
        var pid = NewPersistenceId();
        SaveFive(pid);

        var latest = Load(pid, SnapshotSelectionCriteria.Latest);

        Assert.NotNull(latest);
        Assert.Equal(pid, latest.Metadata.PersistenceId);
        Assert.Equal(5, latest.Metadata.SequenceNr);
        Assert.Equal(TimeOf(5), latest.Metadata.Timestamp);
        Assert.Equal(StateOf(5), latest.Snapshot);
    }

    [Fact]
    public void Loading_with_a_max_sequence_nr_returns_the_newest_at_or_below_it()
    {
        var pid = NewPersistenceId();
        SaveFive(pid);

        Assert.Equal(3, Load(pid, new SnapshotSelectionCriteria(3))?.Metadata.SequenceNr);
        Assert.Equal(StateOf(3), Load(pid, new SnapshotSelectionCriteria(3))?.Snapshot);
    }

    [Fact]
    public void Loading_with_a_max_timestamp_returns_the_newest_saved_at_or_before_it()
    {
        var pid = NewPersistenceId();
        SaveFive(pid);

        var selected = Load(pid, new SnapshotSelectionCriteria(long.MaxValue, TimeOf(2)));

        Assert.Equal(2, selected?.Metadata.SequenceNr);
        Assert.Equal(StateOf(2), selected?.Snapshot);
    }

    [Fact]
    public void Loading_with_min_bounds_never_returns_an_older_snapshot()
    {
        var pid = NewPersistenceId();
        SaveFive(pid);

        Assert.Equal(4, Load(pid, new SnapshotSelectionCriteria(4, DateTime.MaxValue, 4, null))?.Metadata.SequenceNr);
        Assert.Null(Load(pid, new SnapshotSelectionCriteria(long.MaxValue, DateTime.MaxValue, 6, null)));
        Assert.Null(Load(pid, new SnapshotSelectionCriteria(long.MaxValue, DateTime.MaxValue, 0, TimeOf(5).AddTicks(1))));
        Assert.Equal(5, Load(pid, new SnapshotSelectionCriteria(long.MaxValue, DateTime.MaxValue, 0, TimeOf(5)))?.Metadata.SequenceNr);
    }

    [Fact]
    public void Loading_with_a_timestamp_bound_finds_an_old_snapshot_beyond_the_first_page()
    {
        var pid = NewPersistenceId();
        for (var seq = 1L; seq <= 40; seq++)
        {
            Save(pid, seq);
        }

        // page-size is 16: snapshot 3 is on the third page, newest first.
        Assert.Equal(3, Load(pid, new SnapshotSelectionCriteria(long.MaxValue, TimeOf(3)))?.Metadata.SequenceNr);
    }

    [Fact]
    public void Loading_up_to_a_sequence_nr_limits_the_criteria()
    {
        var pid = NewPersistenceId();
        SaveFive(pid);
        var probe = CreateTestProbe();

        SnapshotStore.Tell(new LoadSnapshot(pid, SnapshotSelectionCriteria.Latest, 3), probe.Ref);

        var result = probe.ExpectMsg<LoadSnapshotResult>();
        Assert.Equal(3, result.Snapshot?.Metadata.SequenceNr);
        Assert.Equal(3, result.ToSequenceNr);
    }

    [Fact]
    public void Saving_again_at_the_same_sequence_nr_replaces_the_snapshot()
    {
        var pid = NewPersistenceId();
        Save(pid, 1);
        Save(pid, 1, "replaced", TimeOf(9));

        var latest = Load(pid, SnapshotSelectionCriteria.Latest);

        Assert.Equal("replaced", latest?.Snapshot);
        Assert.Equal(TimeOf(9), latest?.Metadata.Timestamp);
        Assert.Equal(1, Redis.Database.SortedSetLength($"{KeyPrefix}s:{{{pid}}}"));
    }

    [Fact]
    public void Deleting_by_metadata_removes_only_that_snapshot()
    {
        var pid = NewPersistenceId();
        SaveFive(pid);
        var probe = CreateTestProbe();
        var metadata = new SnapshotMetadata(pid, 5, TimeOf(5));

        SnapshotStore.Tell(new DeleteSnapshot(metadata), probe.Ref);

        probe.ExpectMsg<DeleteSnapshotSuccess>(m => m.Metadata.Equals(metadata));
        Assert.Equal(4, Load(pid, SnapshotSelectionCriteria.Latest)?.Metadata.SequenceNr);
        Assert.Equal(3, Load(pid, new SnapshotSelectionCriteria(3))?.Metadata.SequenceNr);
    }

    [Fact]
    public void Deleting_by_metadata_with_another_timestamp_keeps_the_snapshot()
    {
        var pid = NewPersistenceId();
        SaveFive(pid);
        var probe = CreateTestProbe();

        SnapshotStore.Tell(new DeleteSnapshot(new SnapshotMetadata(pid, 5, TimeOf(5).AddSeconds(1))), probe.Ref);

        probe.ExpectMsg<DeleteSnapshotSuccess>();
        Assert.Equal(5, Load(pid, SnapshotSelectionCriteria.Latest)?.Metadata.SequenceNr);
    }

    [Fact]
    public void Deleting_by_metadata_without_a_timestamp_removes_the_snapshot_at_that_sequence_nr()
    {
        var pid = NewPersistenceId();
        SaveFive(pid);
        var probe = CreateTestProbe();

        SnapshotStore.Tell(new DeleteSnapshot(new SnapshotMetadata(pid, 5, DateTime.MinValue)), probe.Ref);

        probe.ExpectMsg<DeleteSnapshotSuccess>();
        Assert.Equal(4, Load(pid, SnapshotSelectionCriteria.Latest)?.Metadata.SequenceNr);
    }

    [Fact]
    public void Deleting_by_criteria_removes_every_snapshot_up_to_the_max_sequence_nr()
    {
        var pid = NewPersistenceId();
        SaveFive(pid);
        var probe = CreateTestProbe();
        var criteria = new SnapshotSelectionCriteria(3);

        SnapshotStore.Tell(new DeleteSnapshots(pid, criteria), probe.Ref);

        probe.ExpectMsg<DeleteSnapshotsSuccess>(m => m.Criteria.Equals(criteria));
        Assert.Null(Load(pid, new SnapshotSelectionCriteria(3)));
        Assert.Equal(5, Load(pid, SnapshotSelectionCriteria.Latest)?.Metadata.SequenceNr);
        Assert.Equal(4, Load(pid, new SnapshotSelectionCriteria(4))?.Metadata.SequenceNr);
    }

    [Fact]
    public void Deleting_by_criteria_with_timestamp_bounds_removes_only_the_snapshots_inside_them()
    {
        var pid = NewPersistenceId();
        SaveFive(pid);
        var probe = CreateTestProbe();

        SnapshotStore.Tell(new DeleteSnapshots(pid, new SnapshotSelectionCriteria(long.MaxValue, TimeOf(4), 0, TimeOf(2))), probe.Ref);

        probe.ExpectMsg<DeleteSnapshotsSuccess>();
        Assert.Equal(5, Load(pid, SnapshotSelectionCriteria.Latest)?.Metadata.SequenceNr);
        Assert.Equal(1, Load(pid, new SnapshotSelectionCriteria(4))?.Metadata.SequenceNr);
    }

    [Fact]
    public void Snapshots_of_different_persistence_ids_are_kept_apart()
    {
        var a = NewPersistenceId("a-");
        var b = NewPersistenceId("b-");
        Save(a, 7);
        Save(b, 2);
        var probe = CreateTestProbe();
        SnapshotStore.Tell(new DeleteSnapshots(b, SnapshotSelectionCriteria.Latest), probe.Ref);
        probe.ExpectMsg<DeleteSnapshotsSuccess>();

        Assert.Equal(7, Load(a, SnapshotSelectionCriteria.Latest)?.Metadata.SequenceNr);
        Assert.Null(Load(b, SnapshotSelectionCriteria.Latest));
    }

    [Fact]
    public void A_snapshot_state_of_any_serializable_type_round_trips()
    {
        var pid = NewPersistenceId();
        var state = new SpecPayloads.CounterState(3, new List<string> { "x", "y" });
        var probe = CreateTestProbe();

        SnapshotStore.Tell(new SaveSnapshot(new SnapshotMetadata(pid, 3, TimeOf(3)), state), probe.Ref);
        probe.ExpectMsg<SaveSnapshotSuccess>();

        var loaded = Assert.IsType<SpecPayloads.CounterState>(Load(pid, SnapshotSelectionCriteria.Latest)?.Snapshot);
        Assert.Equal(3, loaded.Count);
        Assert.Equal(["x", "y"], loaded.Items);
    }

    private static DateTime TimeOf(long sequenceNr) => T0.AddSeconds(sequenceNr);

    private static string StateOf(long sequenceNr) => $"state-{sequenceNr}";

    private void SaveFive(string pid)
    {
        for (var seq = 1L; seq <= 5; seq++)
        {
            Save(pid, seq);
        }
    }

    private void Save(string pid, long sequenceNr, object? state = null, DateTime? timestamp = null)
    {
        var probe = CreateTestProbe();
        var metadata = new SnapshotMetadata(pid, sequenceNr, timestamp ?? TimeOf(sequenceNr));
        SnapshotStore.Tell(new SaveSnapshot(metadata, state ?? StateOf(sequenceNr)), probe.Ref);
        probe.ExpectMsg<SaveSnapshotSuccess>(m => m.Metadata.Equals(metadata));
    }

    private SelectedSnapshot? Load(string pid, SnapshotSelectionCriteria criteria)
    {
        var probe = CreateTestProbe();
        SnapshotStore.Tell(new LoadSnapshot(pid, criteria, long.MaxValue), probe.Ref);
        return probe.ExpectMsg<LoadSnapshotResult>().Snapshot;
    }
}
