using System.Diagnostics;

namespace ActorTracing.Bench;

/// <summary>
/// This same CLI started again as a child process: `dotnet actortracing.dll …` when it runs under
/// the muxer, else the apphost itself. The bench's load generator and node, and `up`'s nodes, are
/// such children, so they always run the build the parent runs.
/// </summary>
/// <param name="FileName">The executable: `dotnet`, or the apphost.</param>
/// <param name="PrefixArguments">Arguments before the command, e.g. the path of actortracing.dll.</param>
public sealed record SelfCommand(string FileName, IReadOnlyList<string> PrefixArguments)
{
    /// <param name="entryAssemblyPath">The CLI's own assembly (actortracing.dll).</param>
    public static SelfCommand ForCurrentProcess(string entryAssemblyPath)
    {
        var host = Environment.ProcessPath ?? "dotnet";
        var viaMuxer = Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
        return new SelfCommand(host, viaMuxer ? [entryAssemblyPath] : []);
    }

    /// <summary>Start info for `actortracing <paramref name="arguments"/>`; redirection is the caller's choice.</summary>
    /// <param name="environment">This process's environment (a test's lookup in specs).</param>
    /// <param name="defaults">Further variables this child gets unless this process sets them (the generator's GC).</param>
    public ProcessStartInfo StartInfo(IEnumerable<string> arguments, Func<string, string?>? environment = null, IEnumerable<(string Name, string Value)>? defaults = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var info = new ProcessStartInfo(FileName) { UseShellExecute = false };
        foreach (var a in PrefixArguments.Concat(arguments))
        {
            info.ArgumentList.Add(a);
        }
        // A child runs as a node runs from the launcher even when this process did not come
        // through it (tests, `dotnet actortracing.dll`); a setting already made is inherited as is.
        foreach (var (name, value) in ActorTracing.Node.Hosting.RuntimeDescription.LauncherEnvironment.Concat(defaults ?? []))
        {
            info.Environment[name] = environment(name) ?? value;
        }
        return info;
    }

    /// <summary>The command line, for progress output and error messages.</summary>
    public string Describe(IEnumerable<string> arguments) => string.Join(' ', PrefixArguments.Prepend(FileName).Concat(arguments));
}
