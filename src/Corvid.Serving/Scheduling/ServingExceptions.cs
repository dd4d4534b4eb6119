namespace Corvid.Serving.Scheduling;

/// <summary>The model version's queue is full: answered at once with 503 and Retry-After.</summary>
public sealed class QueueFullException(string model, string version, int capacity)
    : Exception($"model '{model}' version {version}: the request queue is full ({capacity} requests waiting); retry later or raise queueSize")
{
    public int Capacity { get; } = capacity;
}

/// <summary>No answer within the model's response timeout: answered with 504.</summary>
public sealed class ResponseTimeoutException(string model, string version, TimeSpan timeout)
    : Exception($"model '{model}' version {version}: no response within the response timeout of {timeout.TotalSeconds:0.###} s");

/// <summary>The model failed to load or threw while running: answered with 500 naming the error.</summary>
public sealed class ModelFailedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The server or model version is shutting down and takes no new requests: 503.</summary>
public sealed class ModelUnavailableException(string message) : Exception(message);
