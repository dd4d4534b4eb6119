using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.AI;
using OpenAI;

namespace Corvid.Agents;

/// <summary>
/// Connects to an OpenAI-compatible chat endpoint (OpenAI, Ollama, vLLM, llama.cpp server) as an <see cref="IChatClient"/>.
/// The SDK's own retries are off: retrying is the graph node's job, on the run's clock, visible as events and spans.
/// </summary>
public static class ChatClients
{
    /// <param name="endpoint">The base URL, e.g. <c>https://api.openai.com/v1</c> or <c>http://localhost:11434/v1</c>.</param>
    /// <param name="apiKey">The key; local servers take any (a placeholder is sent when null).</param>
    public static IChatClient OpenAiCompatible(Uri endpoint, string model, string? apiKey, TimeSpan? networkTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        var options = new OpenAIClientOptions
        {
            Endpoint = endpoint,
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = networkTimeout ?? TimeSpan.FromMinutes(2),
        };
        return new OpenAI.Chat.ChatClient(model, new ApiKeyCredential(string.IsNullOrEmpty(apiKey) ? "no-key" : apiKey), options).AsIChatClient();
    }
}
