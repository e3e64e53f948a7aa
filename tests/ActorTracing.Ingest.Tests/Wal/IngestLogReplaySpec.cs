using ActorTracing.Ingest.Wal;
using ActorTracing.Protocol.Ingress;
using Akka.Actor;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorTracing.Ingest.Tests.Wal;

/// <summary>
/// The replay service over a real log and a recording ingress: an earlier run's requests are
/// submitted again (through refusals, after the hint) and confirmed once decided; a request whose
/// wait is abandoned while the node runs is read back from its segment and submitted again.
/// </summary>
public sealed class IngestLogReplaySpec : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "at-wal-replay-" + Guid.NewGuid().ToString("N"));
    private readonly RecordingIngress _ingress = new();
    private ActorSystem _system = null!;

    public Task InitializeAsync()
    {
        _system = ActorSystem.Create("replay-spec");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _system.Terminate();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private IngestLog Open() => IngestLog.Open(
        new IngestLogSettings { Directory = _directory, SyncInterval = TimeSpan.Zero }, "iad", NullLogger.Instance);

    private IngestLogReplay Replay(IngestLog log)
    {
        var services = new ServiceCollection()
            .AddSingleton<ITraceIngress>(_ingress)
            .AddSingleton(_system)
            .BuildServiceProvider();
        return new IngestLogReplay(services, log, NullLogger<IngestLogReplay>.Instance);
    }

    [Fact]
    public async Task An_earlier_run_s_request_is_submitted_again_through_a_refusal_and_confirmed_once_decided()
    {
        using (var first = Open())
        {
            first.Append(TestRequests.Protobuf());
        }
        using var log = Open();
        var replay = Replay(log);
        Assert.Equal(1, replay.Pending);
        _ingress.Answer = IngressResult.Overloaded(TimeSpan.FromMilliseconds(100), "node is starting");
        await replay.StartAsync(CancellationToken.None);
        await Until(() => !_ingress.Submits.IsEmpty);
        _ingress.Answer = IngressResult.Ok;
        await Until(() => _ingress.Decisions.Count == 1);

        Assert.True(_ingress.Submits.Count >= 2); // refused at least once, then accepted
        Assert.Equal("wal-replay", _ingress.Submits.Last().Protocol);
        Assert.Equal([TestRequests.TraceA, TestRequests.TraceB], _ingress.Submits.Last().Traces.Select(t => t.TraceId));
        Assert.Equal(1, replay.Submitted);
        Assert.Equal(0, replay.Pending);
        Assert.True(_ingress.Decisions.TryDequeue(out var decision));
        decision.SetResult();
        Assert.True(await log.WaitForConfirmationsAsync(TimeSpan.FromSeconds(10)));
        await replay.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_request_whose_wait_is_abandoned_while_running_is_read_back_and_submitted_again()
    {
        using var log = Open();
        var replay = Replay(log);
        await replay.StartAsync(CancellationToken.None);

        var wait = log.NewWait(log.Append(TestRequests.Protobuf()));
        wait.Expect();
        wait.Ready();
        wait.Abandon(); // e.g. its shard moved as the request was sent

        await Until(() => _ingress.Decisions.Count == 1);
        Assert.Equal(1, replay.Resubmitted);
        Assert.Equal([TestRequests.TraceA, TestRequests.TraceB], _ingress.Submits.Last().Traces.Select(t => t.TraceId));
        Assert.True(_ingress.Decisions.TryDequeue(out var decision));
        decision.SetResult();
        Assert.True(await log.WaitForConfirmationsAsync(TimeSpan.FromSeconds(10)));
        await replay.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_request_that_cannot_be_read_back_stays_in_the_log_and_the_replay_goes_on_with_the_next()
    {
        using var log = Open();
        var replay = Replay(log);
        await replay.StartAsync(CancellationToken.None);

        var valid = log.Append(TestRequests.Protobuf());
        log.HandBack(valid with { Offset = 10_000_000 }); // past the end of its file
        log.HandBack(valid);

        await Until(() => _ingress.Decisions.Count == 1);
        Assert.Equal(2, replay.Resubmitted);
        Assert.Equal(1, replay.Submitted);
        Assert.Equal(1, log.Unconfirmed);
        await replay.StopAsync(CancellationToken.None);
    }

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 20 s");
            await Task.Delay(20);
        }
    }
}
