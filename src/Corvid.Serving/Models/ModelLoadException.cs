namespace Corvid.Serving;

/// <summary>A model could not be read, registered or loaded; the message names the file, field or value.</summary>
public sealed class ModelLoadException(string message, Exception? inner = null) : Exception(message, inner);
