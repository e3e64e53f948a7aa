namespace ActorTracing.Query.Tests;

public sealed class QueryParametersSpec
{
    [Theory]
    [InlineData("1.2s", 1_200_000_000L)]
    [InlineData("100ms", 100_000_000L)]
    [InlineData("5us", 5_000L)]
    [InlineData("5µs", 5_000L)]
    [InlineData("250ns", 250L)]
    [InlineData("1h30m", 5_400_000_000_000L)]
    [InlineData("2d", 172_800_000_000_000L)]
    [InlineData(".5s", 500_000_000L)]
    [InlineData("0", 0L)]
    public void Durations_take_Go_syntax(string text, long nanos) =>
        Assert.Equal(nanos, QueryParameters.ParseDuration("minDuration", text));

    [Theory]
    [InlineData("")]
    [InlineData("12")]
    [InlineData("-1s")]
    [InlineData("1.2.3s")]
    [InlineData("fast")]
    [InlineData("5 parsecs")]
    [InlineData("999999999999h")]
    public void A_bad_duration_names_the_parameter(string text)
    {
        var e = Assert.Throws<QueryParameterException>(() => QueryParameters.ParseDuration("maxDuration", text));
        Assert.Equal("maxDuration", e.Parameter);
        Assert.StartsWith("maxDuration: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_limit_defaults_and_is_cut_to_the_maximum()
    {
        var settings = new QuerySettings { DefaultLimit = 20, MaxLimit = 100 };
        Assert.Equal(20, QueryParameters.ParseLimit("limit", null, settings));
        Assert.Equal(20, QueryParameters.ParseLimit("limit", "0", settings));
        Assert.Equal(7, QueryParameters.ParseLimit("limit", "7", settings));
        Assert.Equal(100, QueryParameters.ParseLimit("limit", "100000", settings));
        Assert.Throws<QueryParameterException>(() => QueryParameters.ParseLimit("limit", "-1", settings));
    }

    [Fact]
    public void Trace_ids_are_lowercased_and_padded_to_32_characters()
    {
        Assert.Equal("00000000000000000000000000000abc", QueryParameters.ParseTraceId("traceID", "ABC"));
        Assert.Throws<QueryParameterException>(() => QueryParameters.ParseTraceId("traceID", new string('a', 33)));
    }

    [Fact]
    public void Tags_come_from_the_JSON_object_and_from_key_colon_value_pairs()
    {
        var tags = QueryParameters.ParseTags("tags", ["{\"error\":\"true\",\"http.status_code\":500}"], "tag", ["url:http://x/y"]);
        Assert.Equal([new("error", "true"), new("http.status_code", "500"), new("url", "http://x/y")], tags);
    }
}
