namespace ActorTracing.Actors.Traces;

/// <summary>A configuration value is missing or invalid; the message names the full HOCON key.</summary>
public sealed class SettingsException : Exception
{
    public SettingsException(string message)
        : base(message)
    {
    }

    public SettingsException()
    {
    }

    public SettingsException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
