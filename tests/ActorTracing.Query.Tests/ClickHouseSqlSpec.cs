using ActorTracing.Storage;

namespace ActorTracing.Query.Tests;

[Collection(ChdbCollection.Name)]
public sealed class ClickHouseSqlSpec(ChdbFixture chdb)
{
    [Theory]
    [InlineData("plain", "'plain'")]
    [InlineData("it's", "'it\\'s'")]
    [InlineData("back\\slash", "'back\\\\slash'")]
    [InlineData("nul\0byte", "'nul\\0byte'")]
    [InlineData("tab\tnew\nline\r", "'tab\\tnew\\nline\\r'")]
    [InlineData("bell\u0007", "'bell\\x07'")]
    public void Quote_escapes_quotes_backslashes_and_control_characters(string value, string literal) =>
        Assert.Equal(literal, ClickHouseSql.Quote(value));

    [Theory]
    [InlineData("x' OR 1=1 --")]
    [InlineData("x\\' OR 1=1 --")]
    [InlineData("\\")]
    [InlineData("a\0b' OR '1'='1")]
    [InlineData("'; DROP TABLE t; --")]
    [InlineData("žluťoučký kůň 🐎")]
    [InlineData("\u0001\u001f\u007f")]
    public void A_quoted_value_comes_back_from_the_engine_unchanged(string value)
    {
        var output = chdb.Engine.Query($"SELECT {ClickHouseSql.Quote(value)} AS v", "JSONEachRow");
        using var doc = System.Text.Json.JsonDocument.Parse(output);
        Assert.Equal(value, doc.RootElement.GetProperty("v").GetString());
    }

    [Theory]
    [InlineData("0af7651916cd43dd8448eb211c80319c", true)]
    [InlineData("0AF7651916CD43DD8448EB211C80319C", false)]
    [InlineData("0af7651916cd43dd8448eb211c80319", false)]
    [InlineData("0af7651916cd43dd8448eb211c80319g", false)]
    [InlineData("0af7651916cd43dd8448eb211c8031'", false)]
    [InlineData("", false)]
    public void Trace_ids_must_be_32_lowercase_hex_characters(string id, bool valid)
    {
        Assert.Equal(valid, ClickHouseSql.IsTraceId(id));
        if (valid)
        {
            Assert.Equal($"('{id}')", ClickHouseSql.TraceIdList([id]));
        }
        else
        {
            Assert.Throws<ArgumentException>(() => ClickHouseSql.TraceIdList([id]));
        }
    }
}
