namespace ActorTracing.Cli.Admin;

/// <summary>
/// Left-aligned columns separated by two spaces, headers in capitals. Numbers are right-aligned so
/// magnitudes line up. Trailing spaces are trimmed so output diffs (and golden tests) stay clean.
/// </summary>
public sealed class TextTable
{
    private readonly string[] _headers;
    private readonly bool[] _rightAligned;
    private readonly List<string[]> _rows = [];

    public TextTable(params string[] headers)
    {
        _headers = headers;
        _rightAligned = new bool[headers.Length];
    }

    /// <summary>Marks columns whose values are numbers.</summary>
    public TextTable RightAlign(params int[] columns)
    {
        foreach (var c in columns)
        {
            _rightAligned[c] = true;
        }
        return this;
    }

    public void Add(params string[] cells)
    {
        if (cells.Length != _headers.Length)
        {
            throw new ArgumentException($"expected {_headers.Length} cells, got {cells.Length}", nameof(cells));
        }
        _rows.Add(cells);
    }

    public int Count => _rows.Count;

    public void WriteTo(TextWriter writer)
    {
        var widths = _headers.Select((h, i) => _rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        WriteRow(writer, _headers, widths);
        foreach (var row in _rows)
        {
            WriteRow(writer, row, widths);
        }
    }

    private void WriteRow(TextWriter writer, string[] cells, int[] widths)
    {
        var line = new System.Text.StringBuilder();
        for (var i = 0; i < cells.Length; i++)
        {
            if (i > 0)
            {
                line.Append("  ");
            }
            line.Append(_rightAligned[i] ? cells[i].PadLeft(widths[i]) : cells[i].PadRight(widths[i]));
        }
        writer.WriteLine(line.ToString().TrimEnd());
    }
}
