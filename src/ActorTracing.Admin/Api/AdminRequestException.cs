namespace ActorTracing.Admin;

/// <summary>A command that cannot be answered as asked: becomes an HTTP status and an <see cref="AdminResponses.Error"/>.</summary>
internal sealed class AdminRequestException : Exception
{
    public AdminRequestException(int statusCode, string message)
        : base(message)
    {
        StatusCode = statusCode;
    }

    public AdminRequestException()
    {
    }

    public AdminRequestException(string message)
        : base(message)
    {
    }

    public AdminRequestException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public int StatusCode { get; } = 400;

    public static AdminRequestException BadRequest(string message) => new(400, message);

    public static AdminRequestException NotFound(string message) => new(404, message);

    public static AdminRequestException Unavailable(string message) => new(503, message);
}
