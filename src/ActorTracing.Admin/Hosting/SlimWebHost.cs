using Microsoft.AspNetCore.Builder;

namespace ActorTracing.Admin;

/// <summary>The web host builder every endpoint of a node (admin, and the node's own) starts from.</summary>
public static class SlimWebHost
{
    /// <summary>
    /// Configuration is HOCON, not appsettings files: without these options the builder would watch
    /// the working directory tree for appsettings changes (a recursive inotify watch and work on
    /// every file event — ~9 % of a node's CPU in a profile when started from a busy directory).
    /// </summary>
    public static WebApplicationBuilder CreateBuilder() => WebApplication.CreateSlimBuilder(new WebApplicationOptions
    {
        ContentRootPath = AppContext.BaseDirectory,
        Args = ["--hostBuilder:reloadConfigOnChange=false"],
    });
}
