using System.Globalization;
using System.Security;
using System.Text;

namespace ActorTracing.Bench;

/// <summary>
/// Hand-written SVG line charts: axes with "nice" ticks, one polyline per series, a legend. No
/// packages and no scripts, so the files open in any browser and diff as text.
/// </summary>
public static class SvgChart
{
    private const int Width = 760;
    private const int Height = 400;
    private const int Left = 80;
    private const int Right = 180;
    private const int Top = 40;
    private const int Bottom = 50;

    public static string Render(string title, string xLabel, string yLabel, IReadOnlyList<ChartSeries> series)
    {
        ArgumentNullException.ThrowIfNull(series);
        var points = series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToArray();
        var (xMin, xMax) = points.Length == 0 ? (0.0, 1.0) : (points.Min(p => p.X), points.Max(p => p.X));
        var yMax = points.Length == 0 ? 1.0 : points.Max(p => p.Y);
        var xTicks = NiceTicks(Math.Min(xMin, 0), xMax);
        var yTicks = NiceTicks(0, yMax);
        double x0 = xTicks[0], x1 = xTicks[^1], y0 = yTicks[0], y1 = yTicks[^1];
        var plotW = Width - Left - Right;
        var plotH = Height - Top - Bottom;
        double Px(double x) => Left + ((x - x0) / (x1 - x0) * plotW);
        double Py(double y) => Top + plotH - ((y - y0) / (y1 - y0) * plotH);

        var svg = new StringBuilder();
        svg.Append(F($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">\n"));
        svg.Append(F($"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n"));
        svg.Append(F($"<text x=\"{Width / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">{Escape(title)}</text>\n"));
        foreach (var t in yTicks)
        {
            svg.Append(F($"<line x1=\"{Left}\" y1=\"{Py(t):0.#}\" x2=\"{Left + plotW}\" y2=\"{Py(t):0.#}\" stroke=\"#e5e5e5\"/>\n"));
            svg.Append(F($"<text x=\"{Left - 6}\" y=\"{Py(t) + 4:0.#}\" text-anchor=\"end\">{Escape(FormatTick(t))}</text>\n"));
        }
        foreach (var t in xTicks)
        {
            svg.Append(F($"<line x1=\"{Px(t):0.#}\" y1=\"{Top + plotH}\" x2=\"{Px(t):0.#}\" y2=\"{Top + plotH + 5}\" stroke=\"#333\"/>\n"));
            svg.Append(F($"<text x=\"{Px(t):0.#}\" y=\"{Top + plotH + 18}\" text-anchor=\"middle\">{Escape(FormatTick(t))}</text>\n"));
        }
        svg.Append(F($"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Top + plotH}\" stroke=\"#333\"/>\n"));
        svg.Append(F($"<line x1=\"{Left}\" y1=\"{Top + plotH}\" x2=\"{Left + plotW}\" y2=\"{Top + plotH}\" stroke=\"#333\"/>\n"));
        svg.Append(F($"<text x=\"{Left + (plotW / 2)}\" y=\"{Height - 10}\" text-anchor=\"middle\">{Escape(xLabel)}</text>\n"));
        svg.Append(F($"<text x=\"16\" y=\"{Top + (plotH / 2)}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {Top + (plotH / 2)})\">{Escape(yLabel)}</text>\n"));

        for (var i = 0; i < series.Count; i++)
        {
            var s = series[i];
            var pts = s.Points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToArray();
            if (pts.Length > 0)
            {
                var path = string.Join(' ', pts.Select(p => F($"{Px(p.X):0.#},{Py(p.Y):0.#}")));
                var dash = s.Dashed ? " stroke-dasharray=\"6 4\"" : string.Empty;
                svg.Append(F($"<polyline fill=\"none\" stroke=\"{s.Color}\" stroke-width=\"2\"{dash} points=\"{path}\"/>\n"));
                if (s.Markers || pts.Length == 1)
                {
                    foreach (var p in pts)
                    {
                        svg.Append(F($"<circle cx=\"{Px(p.X):0.#}\" cy=\"{Py(p.Y):0.#}\" r=\"3.5\" fill=\"{s.Color}\"/>\n"));
                    }
                }
            }
            var ly = Top + 10 + (i * 20);
            svg.Append(F($"<line x1=\"{Width - Right + 15}\" y1=\"{ly}\" x2=\"{Width - Right + 40}\" y2=\"{ly}\" stroke=\"{s.Color}\" stroke-width=\"3\"{(s.Dashed ? " stroke-dasharray=\"6 4\"" : string.Empty)}/>\n"));
            svg.Append(F($"<text x=\"{Width - Right + 46}\" y=\"{ly + 4}\">{Escape(s.Name)}</text>\n"));
        }
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>Ticks at 1, 2 or 5 times a power of ten, covering [min, max] with about 5 intervals.</summary>
    public static IReadOnlyList<double> NiceTicks(double min, double max)
    {
        if (!(max > min))
        {
            max = min + 1;
        }
        var rough = (max - min) / 5;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var step = new[] { 1.0, 2.0, 5.0, 10.0 }.Select(m => m * magnitude).First(s => s >= rough);
        var start = Math.Floor(min / step) * step;
        var ticks = new List<double>();
        // Until a tick reaches max, so the top of the data is never drawn above the axis.
        for (var i = 0; ; i++)
        {
            var t = Math.Round(start + (i * step), 10);
            ticks.Add(t);
            if (i >= 1 && t >= max - (step * 1e-9))
            {
                return ticks;
            }
        }
    }

    /// <summary>Compact labels: 1.5M, 200k, 0.25.</summary>
    public static string FormatTick(double value)
    {
        var abs = Math.Abs(value);
        return abs >= 1e9 ? F($"{value / 1e9:0.##}G")
            : abs >= 1e6 ? F($"{value / 1e6:0.##}M")
            : abs >= 1e3 ? F($"{value / 1e3:0.##}k")
            : F($"{value:0.##}");
    }

    private static string Escape(string text) => SecurityElement.Escape(text) ?? string.Empty;

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
