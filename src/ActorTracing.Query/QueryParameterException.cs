namespace ActorTracing.Query;

/// <summary>A request parameter is malformed; the API answers 400 with a message naming <see cref="Parameter"/>.</summary>
public sealed class QueryParameterException : Exception
{
    public QueryParameterException()
    {
        Parameter = string.Empty;
    }

    public QueryParameterException(string message)
        : base(message)
    {
        Parameter = string.Empty;
    }

    public QueryParameterException(string message, Exception innerException)
        : base(message, innerException)
    {
        Parameter = string.Empty;
    }

    public QueryParameterException(string parameter, string message)
        : base($"{parameter}: {message}")
    {
        Parameter = parameter;
    }

    public string Parameter { get; }
}
