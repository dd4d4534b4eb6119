namespace Corvid.Serving.Handlers;

/// <summary>The request itself is wrong (answered with 400); the message names the problem and the value.</summary>
public sealed class BadInputException(string message) : Exception(message);
