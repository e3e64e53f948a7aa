using System.Text.RegularExpressions;
using ActorTracing.Domain.Sampling;

namespace ActorTracing.Domain.Tests.Sampling;

public sealed class RouteGlobSpec
{
    [Theory]
    [InlineData("/static/*", "/static/a.js", true)]
    [InlineData("/static/*", "/static/js/a.js", false)]
    [InlineData("/static/**", "/static/js/a.js", true)]
    [InlineData("**/*.css", "/a/b/site.css", true)]
    [InlineData("**/*.{css,js}", "/a/site.js", true)]
    [InlineData("**/*.{css,js}", "/a/site.json", false)]
    [InlineData("/v?/items", "/v2/items", true)]
    [InlineData("/v?/items", "/v/items", false)]
    [InlineData("/a.b", "/aXb", false)]
    [InlineData("/health", "/health/live", false)]
    public void Globs_match_paths_like_shells_do(string glob, string path, bool expected)
        => Assert.Equal(expected, Regex.IsMatch(path, RouteGlob.ToRegex(glob)));

    [Fact]
    public void An_unbalanced_brace_is_rejected()
        => Assert.Throws<ArgumentException>(() => RouteGlob.ToRegex("/a/{b,c"));
}
