namespace ActorTracing.Cli.Admin;

/// <summary>The endpoint could not be reached or did not answer in time: exit code 3, message without stack trace.</summary>
public sealed class AdminUnreachableException : Exception
{
    public AdminUnreachableException(string message)
        : base(message)
    {
    }

    public AdminUnreachableException()
    {
    }

    public AdminUnreachableException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
