namespace ActorTracing.Cli.Commands;

/// <summary>Bad command-line input: printed without a stack trace, exit code 2.</summary>
public sealed class CliException : Exception
{
    public CliException(string message)
        : base(message)
    {
    }

    public CliException()
    {
    }

    public CliException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
