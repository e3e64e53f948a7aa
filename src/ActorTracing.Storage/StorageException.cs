namespace ActorTracing.Storage;

/// <summary>
/// A storage operation failed. For the embedded engine the message carries ClickHouse's own error
/// text (code, exception name) so an operator can look it up without reproducing the call.
/// </summary>
public sealed class StorageException : Exception
{
    public StorageException()
    {
    }

    public StorageException(string message)
        : base(message)
    {
    }

    public StorageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
