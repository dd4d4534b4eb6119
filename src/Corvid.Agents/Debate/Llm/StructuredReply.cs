using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Corvid.Agents.Debate;

/// <summary>An LLM's reply could not be used, even after asking again; the message quotes what it said.</summary>
public sealed class LlmOutputException(string message) : Exception(message);

/// <summary>
/// Asks for a JSON reply and parses it; a reply that does not parse is answered with the parse error and asked
/// again, at most <see cref="MaxTries"/> times in all, then fails with a message quoting the last reply.
/// </summary>
internal static class StructuredReply
{
    public const int MaxTries = 3;

    public static async Task<T> GetAsync<T>(IChatClient client, string role, string system, string user,
        Func<JsonElement, T> parse, NodeContext context)
    {
        var messages = new List<ChatMessage> { new(ChatRole.System, system), new(ChatRole.User, user) };
        var options = new ChatOptions { Temperature = 0, ResponseFormat = ChatResponseFormat.Json };
        string reply = "";
        string problem = "";
        for (var attempt = 1; attempt <= MaxTries; attempt++)
        {
            var response = await client.GetResponseAsync(messages, options, context.CancellationToken);
            reply = response.Text.Trim();
            try
            {
                using var document = JsonDocument.Parse(StripFence(reply));
                return parse(document.RootElement);
            }
            catch (Exception error) when (error is JsonException or FormatException or InvalidOperationException or KeyNotFoundException)
            {
                problem = error.Message;
                messages.Add(new ChatMessage(ChatRole.Assistant, reply));
                messages.Add(new ChatMessage(ChatRole.User,
                    $"That reply could not be used ({problem}). Reply again with only the JSON object described above."));
            }
        }
        var quoted = reply.Length > 200 ? reply[..200] + "..." : reply;
        throw new LlmOutputException($"the {role}'s reply did not parse after {MaxTries} tries ({problem}); last reply: \"{quoted}\"");
    }

    /// <summary>Models often wrap JSON in a ```json fence; the JSON inside is what counts.</summary>
    private static string StripFence(string reply)
    {
        if (!reply.StartsWith("```", StringComparison.Ordinal)) return reply;
        var start = reply.IndexOf('\n');
        var end = reply.LastIndexOf("```", StringComparison.Ordinal);
        return start >= 0 && end > start ? reply[(start + 1)..end] : reply;
    }

    public static string RequiredString(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString())
            ? value.GetString()!
            : throw new FormatException($"\"{name}\" is missing or not a non-empty string");
}
