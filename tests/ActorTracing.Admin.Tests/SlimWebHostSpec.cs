using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;

namespace ActorTracing.Admin.Tests;

public sealed class SlimWebHostSpec
{
    [Fact]
    public void The_host_neither_roots_in_nor_watches_the_working_directory()
    {
        var builder = SlimWebHost.CreateBuilder();

        Assert.Equal(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory), Path.TrimEndingDirectorySeparator(builder.Environment.ContentRootPath));
        var files = ((IConfigurationBuilder)builder.Configuration).Sources.OfType<JsonConfigurationSource>().ToArray();
        // The default builder reads appsettings with reloadOnChange: a recursive watch of the tree.
        Assert.All(files, f => Assert.False(f.ReloadOnChange, f.Path));
    }
}
