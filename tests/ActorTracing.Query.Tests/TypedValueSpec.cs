namespace ActorTracing.Query.Tests;

public sealed class TypedValueSpec
{
    [Theory]
    [InlineData("true", "bool")]
    [InlineData("false", "bool")]
    [InlineData("True", "string")]
    [InlineData("0", "int64")]
    [InlineData("200", "int64")]
    [InlineData("-42", "int64")]
    [InlineData("9223372036854775807", "int64")]
    [InlineData("9223372036854775808", "string")]
    [InlineData("007", "string")]
    // "-0" is exactly how negative zero (a double) is rendered, so it types back as float64.
    [InlineData("-0", "float64")]
    [InlineData("+1", "string")]
    [InlineData("0.25", "float64")]
    [InlineData("-1.5", "float64")]
    [InlineData("1E+20", "float64")]
    [InlineData("1e3", "string")]
    [InlineData("0.250", "string")]
    [InlineData("NaN", "string")]
    [InlineData("Infinity", "string")]
    [InlineData("", "string")]
    [InlineData("GET", "string")]
    [InlineData("[1,2]", "string")]
    [InlineData("12 monkeys", "string")]
    public void Only_the_exact_renderings_of_typed_values_are_typed_back(string stored, string type) =>
        Assert.Equal(type, TypedValue.Infer(stored).JaegerType);

    [Fact]
    public void Typed_values_keep_their_value()
    {
        Assert.Equal(-42, TypedValue.Infer("-42").Int);
        Assert.Equal(0.25, TypedValue.Infer("0.25").Double);
        Assert.True(TypedValue.Infer("true").Bool);
    }
}
