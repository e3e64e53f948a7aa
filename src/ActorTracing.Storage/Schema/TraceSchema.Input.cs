using System.Globalization;

namespace ActorTracing.Storage;

/// <summary>
/// The input tables the embedded engine's inserts go to. Each is a Null table (it stores nothing)
/// with the insert columns of its table, String wherever the table has LowCardinality(String), and
/// a materialized view that moves every inserted block into the table in the same insert, so an
/// insert is committed to the real table when it returns, exactly as a direct one.
/// Why: ClickHouse parses a RowBinary LowCardinality value row by row into the column's
/// dictionary, and on our rows (dozens of LowCardinality values a span: the names, and every key
/// and value of the attribute maps) that parse was ~9 µs a span, most of an insert's CPU; as
/// String ~1.6 µs, and the view's conversion to LowCardinality works on whole columns (measured on
/// the bench's spans, 10,000-row inserts: parse alone 91 → 16 ms; whole insert with compact parts,
/// below, 150–250 → 55–90 ms of CPU; at 178k spans/s the engine's insert threads −13 % of a core).
/// Both types encode alike in RowBinary, so the rows and <see cref="SpanRowEncoder"/> are
/// unchanged, and a table of an earlier layout (String columns)
/// simply gets String input columns.
/// </summary>
public sealed partial class TraceSchema
{
    /// <summary>Where span rows are inserted (<see cref="InsertSql"/>); its view fills <see cref="TracesTable"/>.</summary>
    public const string TracesInputTable = "otel_traces_input";

    /// <summary>Where summary rows are inserted (<see cref="SummaryInsertSql"/>); its view fills <see cref="TraceSummariesTable"/>.</summary>
    public const string TraceSummariesInputTable = "otel_trace_summaries_input";

    /// <summary>The materialized view of an input table is named after it with this suffix.</summary>
    public const string InputViewSuffix = "_mv";

    /// <summary>The type an input column takes for a table column of <paramref name="tableType"/>: the same, with String for LowCardinality(String).</summary>
    public static string InputType(string tableType)
    {
        ArgumentNullException.ThrowIfNull(tableType);
        return tableType.Replace("LowCardinality(String)", "String", StringComparison.Ordinal);
    }

    /// <summary>The input table's CREATE for <paramref name="columns"/> (name and input type, in insert order).</summary>
    public string CreateInputTableSql(string inputTable, IEnumerable<(string Name, string Type)> columns) =>
        $"CREATE TABLE {Qualify(inputTable)} ({string.Join(", ", columns.Select(c => $"`{c.Name}` {c.Type}"))}) ENGINE = Null";

    /// <summary>The view moving what is inserted into <paramref name="inputTable"/> into <paramref name="table"/>; columns match by name.</summary>
    public string CreateInputViewSql(string inputTable, string table) =>
        $"CREATE MATERIALIZED VIEW {Qualify(inputTable + InputViewSuffix)} TO {Qualify(table)} AS SELECT * FROM {Qualify(inputTable)}";

    private static string InsertInto(string qualifiedTable, IEnumerable<string> columns) =>
        $"INSERT INTO {qualifiedTable} ({string.Join(", ", columns.Select(c => $"`{c}`"))})";

    /// <summary>
    /// Creates the input table of <paramref name="table"/> and its view, or re-creates both when the
    /// table's columns no longer match (an upgrade changed them). Left alone when they match, so a
    /// second store opening the database does not drop the table under the first one's inserts.
    /// </summary>
    private void ApplyInputTable(ChdbEngine engine, string table, string inputTable, IReadOnlyList<string> insertColumns)
    {
        var tableTypes = ColumnTypes(engine, table);
        var wanted = insertColumns
            .Select(c => (Name: c, Type: tableTypes.TryGetValue(c, out var type)
                ? InputType(type)
                : throw new StorageException($"{Qualify(table)} has no column {c}: the schema upgrade did not add it.")))
            .ToList();
        var existing = ColumnList(engine, inputTable);
        var viewName = inputTable + InputViewSuffix;
        var viewExists = engine.Query(
            $"SELECT count() FROM system.tables WHERE database = '{Database}' AND name = '{viewName}'").Trim() != "0";
        if (viewExists && existing.SequenceEqual(wanted))
        {
            return;
        }
        // The view first: dropped after its input table, it would be left pointing at nothing.
        engine.Execute($"DROP VIEW IF EXISTS {Qualify(viewName)}");
        engine.Execute($"DROP TABLE IF EXISTS {Qualify(inputTable)}");
        engine.Execute(CreateInputTableSql(inputTable, wanted));
        engine.Execute(CreateInputViewSql(inputTable, table));
    }

    private Dictionary<string, string> ColumnTypes(ChdbEngine engine, string table) =>
        ColumnList(engine, table).ToDictionary(c => c.Name, c => c.Type, StringComparer.Ordinal);

    /// <summary>A table's columns (Nested ones flattened, as inserts name them) in position order; empty when it does not exist.</summary>
    private List<(string Name, string Type)> ColumnList(ChdbEngine engine, string table) =>
        engine.Query(string.Create(
                CultureInfo.InvariantCulture,
                $"SELECT name, type FROM system.columns WHERE database = '{Database}' AND table = '{table}' ORDER BY position FORMAT TabSeparated"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t'))
            .Select(f => (Name: f[0], Type: f[1]))
            .ToList();
}
