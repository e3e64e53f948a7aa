using System.Globalization;
using ActorTracing.Storage;

namespace ActorTracing.Bench;

/// <summary>Raw RowBinary inserts into the embedded engine of this process.</summary>
public sealed class ChdbInsertSink(ChdbEngine engine, string database) : IRawInsertSink
{
    private readonly TraceSchema _schema = new(database, 0);

    public string Name => "chDB (embedded)";

    public SchemaFlavor Flavor => SchemaFlavor.Modern;

    public Task CreateAsync(CancellationToken cancellationToken)
    {
        _schema.Apply(engine);
        return Task.CompletedTask;
    }

    public Task InsertAsync(byte[] rowBinary, int rows, CancellationToken cancellationToken)
    {
        engine.StreamInsert(_schema.InsertSql, "RowBinary", rowBinary);
        return Task.CompletedTask;
    }

    public Task<long> MergedBytesAsync(CancellationToken cancellationToken)
    {
        engine.Execute($"OPTIMIZE TABLE {_schema.QualifiedTracesTable} FINAL");
        var disk = engine.Query(
            "SELECT sum(bytes_on_disk) FROM system.parts " +
            $"WHERE active AND database = '{database}' AND table = '{TraceSchema.TracesTable}'").Trim();
        return Task.FromResult(long.Parse(disk, CultureInfo.InvariantCulture));
    }

    public Task DropAsync(CancellationToken cancellationToken)
    {
        engine.Execute($"DROP DATABASE IF EXISTS {database} SYNC");
        return Task.CompletedTask;
    }
}
