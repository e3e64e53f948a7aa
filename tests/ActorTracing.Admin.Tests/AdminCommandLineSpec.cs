using ActorTracing.Cli.Admin;

namespace ActorTracing.Admin.Tests;

public sealed class AdminCommandLineSpec
{
    [Theory]
    [InlineData("", "actor,cluster,cluster-sharding,exit,help,quit,sampling,storage,trace")]
    [InlineData("cl", "cluster,cluster-sharding")]
    [InlineData("cluster ", "down,down-unreachable,join,leave,show")]
    [InlineData("cluster d", "down,down-unreachable")]
    [InlineData("cluster-sharding shard-stats ", "--json,-r,-t")]
    [InlineData("cluster down x --", "--json,--yes")]
    [InlineData("nothing ", "")]
    public void Tab_completes_palettes_then_commands_then_switches(string line, string expected)
        => Assert.Equal(expected, string.Join(",", AdminCatalog.Complete(line)));

    [Fact]
    public void Short_and_long_switches_mean_the_same()
    {
        var a = AdminCommandLine.Parse(["cluster-sharding", "shard-stats", "-r", "trace", "-t", "2s", "-j"]);
        var b = AdminCommandLine.Parse(["cluster-sharding", "shard-stats", "--type=trace", "--timeout", "2s", "--json"]);
        foreach (var line in new[] { a, b })
        {
            Assert.Equal("trace", line.Switches["type"]);
            Assert.Equal("2s", line.Switches["timeout"]);
            Assert.True(line.Json);
            Assert.Equal("/v1/sharding/shard-stats?type=trace&timeout=2", AdminCatalog.Resolve(line).Request(line).PathAndQuery);
        }
    }

    [Theory]
    [InlineData("2m")]
    [InlineData("0")]
    [InlineData("301s")]
    [InlineData("soon")]
    public void Timeouts_are_seconds_or_milliseconds_up_to_300s(string timeout)
    {
        var line = AdminCommandLine.Parse(["cluster-sharding", "shard-stats", "-r", "trace", "-t", timeout]);
        Assert.Throws<AdminUsageException>(() => AdminCatalog.Resolve(line).Request(line));
    }

    [Fact]
    public void Prompt_lines_split_like_a_shell_with_quotes()
        => Assert.Equal(["actor", "hierarchy", "-s", "/user/a b"], AdminCommandLine.SplitLine("  actor hierarchy -s '/user/a b'  "));

    [Theory]
    [InlineData("127.0.0.1:9110", true)]
    [InlineData("localhost:9110", true)]
    [InlineData("[::1]:9110", true)]
    [InlineData("http://10.0.0.5:9110", true)]
    [InlineData("node", false)]
    [InlineData("demo", false)]
    [InlineData("--help", false)]
    [InlineData("host:notaport", false)]
    public void Only_host_port_arguments_select_the_admin_client(string argument, bool admin)
        => Assert.Equal(admin, AdminTarget.Looks(argument));

    [Fact]
    public void Tables_align_text_left_and_numbers_right_without_trailing_spaces()
    {
        var table = new TextTable("NAME", "COUNT", "NOTE").RightAlign(1);
        table.Add("a", "1", "");
        table.Add("longer", "1,000", "x");
        using var text = new StringWriter();
        table.WriteTo(text);
        Assert.Equal("NAME    COUNT  NOTE\na           1\nlonger  1,000  x\n", text.ToString().Replace("\r\n", "\n", StringComparison.Ordinal));
    }
}
