namespace ActorTracing.Cli.Admin;

/// <summary>Bad admin command-line input: printed with the command's usage, exit code 2.</summary>
public sealed class AdminUsageException : Exception
{
    public AdminUsageException(string message)
        : base(message)
    {
    }

    public AdminUsageException()
    {
    }

    public AdminUsageException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
