using System.Xml.Linq;
using ActorTracing.Bench;

namespace ActorTracing.Bench.Tests;

public sealed class SvgChartSpec
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Theory]
    [InlineData(0, 97, 0, 100, 20)]
    [InlineData(0, 1_234_567, 0, 1_500_000, 500_000)]
    [InlineData(0, 0.37, 0, 0.4, 0.1)]
    public void Ticks_are_one_two_or_five_times_a_power_of_ten_and_cover_the_range(double min, double max, double first, double last, double step)
    {
        var ticks = SvgChart.NiceTicks(min, max);

        Assert.Equal(first, ticks[0], 9);
        Assert.Equal(last, ticks[^1], 9);
        Assert.Equal(step, ticks[1] - ticks[0], 9);
    }

    [Fact]
    public void A_chart_is_well_formed_svg_with_one_line_per_series_and_an_escaped_legend()
    {
        var text = SvgChart.Render("Throughput <test>", "seconds", "spans/s",
        [
            new ChartSeries("received & accepted", "#1f77b4", [(0, 0), (1, 10_000), (2, 20_000)]),
            new ChartSeries("stored", "#2ca02c", [(0, 0), (1, 900), (2, 1_800)], Dashed: true),
        ]);

        var doc = XDocument.Parse(text);
        Assert.Equal(2, doc.Descendants(Svg + "polyline").Count());
        Assert.Contains(doc.Descendants(Svg + "text"), t => t.Value == "received & accepted");
        Assert.Contains(doc.Descendants(Svg + "text"), t => t.Value == "Throughput <test>");
        Assert.Single(doc.Descendants(Svg + "polyline"), p => p.Attribute("stroke-dasharray") is not null);
    }

    [Fact]
    public void An_empty_chart_still_renders_axes()
    {
        var doc = XDocument.Parse(SvgChart.Render("empty", "x", "y", [new ChartSeries("none", "#000", [])]));

        Assert.Empty(doc.Descendants(Svg + "polyline"));
        Assert.NotEmpty(doc.Descendants(Svg + "line"));
    }

    [Fact]
    public void Points_map_inside_the_plot_area()
    {
        var doc = XDocument.Parse(SvgChart.Render("t", "x", "y", [new ChartSeries("s", "#000", [(0, 0), (10, 100)])]));
        var points = doc.Descendants(Svg + "polyline").Single().Attribute("points")!.Value
            .Split(' ').Select(p => p.Split(',').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray()).ToArray();

        Assert.All(points, p => Assert.InRange(p[0], 0, 760));
        Assert.All(points, p => Assert.InRange(p[1], 0, 400));
        Assert.True(points[1][1] < points[0][1], "a larger value is drawn higher");
    }

    [Theory]
    [InlineData(1_500_000, "1.5M")]
    [InlineData(200_000, "200k")]
    [InlineData(0.25, "0.25")]
    public void Tick_labels_are_compact(double value, string label) => Assert.Equal(label, SvgChart.FormatTick(value));
}
