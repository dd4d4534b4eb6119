using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Corvid.Agents;

/// <summary>
/// Wraps an <see cref="IChatClient"/> so every call is a span (<c>chat {model}</c>, with token usage as
/// <c>gen_ai.usage.*</c> attributes), its tokens stream to the run's events, and its usage is added to the node
/// that made it (<see cref="NodeContext.Usage"/>). Outside a node it only traces.
/// </summary>
public sealed class TracedChatClient(IChatClient inner) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        using var span = Start(options);
        try
        {
            var response = await base.GetResponseAsync(messages, options, cancellationToken);
            Finish(span, response.ModelId, response.Usage);
            return response;
        }
        catch (Exception error)
        {
            Fail(span, error);
            throw;
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
        ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var span = Start(options);
        var node = NodeContext.Current;
        UsageDetails? usage = null;
        string? model = null;
        await using var updates = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            ChatResponseUpdate update;
            try
            {
                if (!await updates.MoveNextAsync()) break;
                update = updates.Current;
            }
            catch (Exception error)
            {
                Fail(span, error);
                throw;
            }
            model ??= update.ModelId;
            foreach (var content in update.Contents.OfType<UsageContent>())
            {
                (usage ??= new UsageDetails()).Add(content.Details);
            }
            if (!string.IsNullOrEmpty(update.Text)) node?.ReportToken(update.Text);
            yield return update;
        }
        Finish(span, model, usage, node);
    }

    private Activity? Start(ChatOptions? options)
    {
        var model = options?.ModelId ?? (GetService(typeof(ChatClientMetadata)) as ChatClientMetadata)?.DefaultModelId;
        var span = AgentTelemetry.Source.StartActivity(model is null ? "chat" : $"chat {model}", ActivityKind.Client);
        span?.SetTag(AgentTelemetry.OperationName, "chat");
        span?.SetTag(AgentTelemetry.RequestModel, model);
        if (NodeContext.Current is { } node) span?.SetTag(AgentTelemetry.NodeName, node.Node);
        return span;
    }

    private static void Finish(Activity? span, string? model, UsageDetails? usage, NodeContext? node = null)
    {
        var tokens = new TokenUsage(usage?.InputTokenCount ?? 0, usage?.OutputTokenCount ?? 0);
        span?.SetTag(AgentTelemetry.ResponseModel, model);
        span?.SetTag(AgentTelemetry.InputTokens, tokens.InputTokens);
        span?.SetTag(AgentTelemetry.OutputTokens, tokens.OutputTokens);
        (node ?? NodeContext.Current)?.ReportLlmCall(model, tokens);
    }

    private static void Fail(Activity? span, Exception error)
    {
        span?.SetStatus(ActivityStatusCode.Error, error.Message);
        span?.AddException(error);
    }
}
