namespace ActorTracing.Storage;

/// <summary>
/// A storage operation failed. For the embedded engine the message carries ClickHouse's own error
/// text (code, exception name) so an operator can look it up without reproducing the call. A
/// ClickHouse server's error also carries its numeric code in <see cref="ErrorCode"/>, so callers
/// can tell e.g. "database missing" (81) from "authentication failed" (516/192) without parsing text.
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

    public StorageException(string message, int? errorCode, Exception? innerException = null)
        : base(message, innerException)
    {
        ErrorCode = errorCode;
    }

    /// <summary>ClickHouse's exception code (e.g. 60 UNKNOWN_TABLE), when the server reported one.</summary>
    public int? ErrorCode { get; }
}
