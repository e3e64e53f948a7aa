using ActorTracing.Bench;
using ActorTracing.Domain;
using ActorTracing.Workload;

namespace ActorTracing.Bench.Tests;

public sealed class LoadGenContractSpec
{
    [Fact]
    public void A_load_request_spells_every_switch_the_loadgen_command_reads()
    {
        var args = new LoadGenRequest
        {
            Endpoint = new Uri("http://127.0.0.1:4318/"),
            Protocol = "grpc",
            SpansPerSecond = 125_000,
            Duration = TimeSpan.FromSeconds(4),
            WarmUp = TimeSpan.FromSeconds(1),
            Seed = 7,
            TruthFile = "/tmp/truth.tsv",
        }.ToArguments();

        Assert.Equal("loadgen", args[0]);
        Assert.Equal(
            "loadgen --json --mode load --protocol grpc --endpoint http://127.0.0.1:4318/ --seed 7 --rate 125000 --duration 4000ms --concurrency 4 --warmup 1000ms --truth /tmp/truth.tsv",
            string.Join(' ', args));
    }

    [Fact]
    public void A_cluster_run_keeps_as_many_requests_in_flight_per_node_as_a_standalone_run_keeps_for_its_node()
    {
        Uri Node(int port) => new($"http://127.0.0.1:{port}/");
        Assert.Equal(LoadGenRequest.ConcurrencyPerEndpoint, LoadGenRequest.ConcurrencyFor([]));
        Assert.Equal(LoadGenRequest.ConcurrencyPerEndpoint, LoadGenRequest.ConcurrencyFor([new("iad", Node(1)), new("fra", Node(1))]));
        // Two regions on three nodes (iad on two): three endpoints, and a request routed so says so.
        var request = new LoadGenRequest { Endpoint = Node(1), Routes = [new("iad", Node(1)), new("iad", Node(2)), new("sfo", Node(3)), new("fra", Node(1))] };
        Assert.Equal(3 * LoadGenRequest.ConcurrencyPerEndpoint, request.Concurrency);
        Assert.Contains("--concurrency 12", string.Join(' ', request.ToArguments()), StringComparison.Ordinal);
        Assert.Equal(2, (request with { Concurrency = 2 }).Concurrency);
    }

    [Fact]
    public void A_probe_request_leaves_out_zero_durations_the_cli_would_reject()
    {
        var args = new LoadGenRequest
        {
            Mode = LoadGenMode.Probe,
            Endpoint = new Uri("http://a/"),
            ProbeDelay = TimeSpan.Zero,
            ProbeSkew = TimeSpan.Zero,
        }.ToArguments();

        Assert.DoesNotContain("--delay", args);
        Assert.DoesNotContain("--skew", args);
        Assert.DoesNotContain("--endpoint2", args);
        Assert.Contains("probe", args);
    }

    [Fact]
    public void A_negative_skew_is_passed_as_its_magnitude_with_the_second_endpoint()
    {
        var args = new LoadGenRequest
        {
            Mode = LoadGenMode.Probe,
            Endpoint = new Uri("http://a/"),
            SecondEndpoint = new Uri("http://b/"),
            ProbeSkew = TimeSpan.FromMilliseconds(-30),
        }.ToArguments();

        Assert.Equal("30ms", args[args.ToList().IndexOf("--skew") + 1]);
        Assert.Equal("http://b/", args[args.ToList().IndexOf("--endpoint2") + 1]);
    }

    [Fact]
    public void The_summary_round_trips_through_its_json_line()
    {
        var result = new LoadGenResult
        {
            Protocol = "http",
            SpansSent = 1234,
            AckLatency = new LatencySummary(10, 1.5, 1, 2, 3, 4, 5, 6),
            PerSecond = [new LoadSecond(1, 100, 99, 0, 0)],
            Probes = [new ProbeTrace("ab", 3, ["iad", "fra"], 1, 2, true)],
        };

        var line = BenchJson.Serialize(result);
        var back = BenchJson.Deserialize<LoadGenResult>(line);

        Assert.DoesNotContain('\n', line);
        Assert.Contains("\"spans_sent\":1234", line, StringComparison.Ordinal);
        Assert.Equal(result.AckLatency, back.AckLatency);
        Assert.Equal(result.PerSecond, back.PerSecond);
        Assert.Equal(["iad", "fra"], back.Probes[0].Regions);
    }

    [Fact]
    public void Probe_ids_are_the_same_for_a_seed_so_the_bench_can_poll_for_them()
    {
        var a = ProbeSender.Ids(99, 5);
        var b = ProbeSender.Ids(99, 5);
        var c = ProbeSender.Ids(100, 5);

        Assert.Equal(a, b);
        Assert.NotEqual(a[0].Trace, c[0].Trace);
        Assert.Equal(5, a.Select(i => i.Trace).Distinct().Count());
    }

    [Fact]
    public void Ground_truth_lines_round_trip()
    {
        var truth = new TraceGroundTruth(new TraceId(0x0123456789abcdef, 0xfedcba9876543210), new SpanId(1), TraceCategory.EdgeFunction, "iad", ["iad", "fra"], 5, true, false, 1_000_000, 0, TimeSpan.FromMilliseconds(100));

        var line = GroundTruthFile.Format(truth.TraceId, truth.Category, truth.SpanCount, truth.IsError, truth.IsSlow, truth.IsCrossRegion);
        var back = GroundTruthFile.Parse(line);

        Assert.Equal("0123456789abcdeffedcba9876543210\tedge-function\t5\t1\t0\t1", line);
        Assert.Equal(new GroundTruthRecord("0123456789abcdeffedcba9876543210", "edge-function", 5, true, false, true), back);
    }

    [Fact]
    public void Latency_summaries_of_samples_use_the_histogram()
    {
        var summary = LatencySummary.FromSamples(Enumerable.Range(1, 100).Select(i => (long)i));

        Assert.Equal(100, summary.Count);
        Assert.Equal(50, summary.P50);
        Assert.Equal(99, summary.P99);
        Assert.Equal(100, summary.Max);
    }
}
