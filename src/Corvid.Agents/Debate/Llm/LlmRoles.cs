using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Corvid.Agents.Debate;

/// <summary>Asks the model for a motion.</summary>
public sealed class LlmTopicGenerator(IChatClient client) : ITopicGenerator
{
    public async Task<(string Motion, string? TopicId)> GenerateAsync(DebateSettings settings, NodeContext context)
    {
        var response = await client.GetResponseAsync(
            [new ChatMessage(ChatRole.System, Prompts.Topic), new ChatMessage(ChatRole.User, Prompts.TopicRequest)],
            new ChatOptions { Temperature = 0.7f, Seed = settings.Seed }, context.CancellationToken);
        var motion = response.Text.Trim().Trim('"');
        if (motion.Length == 0) throw new LlmOutputException("the topic generator replied with an empty topic");
        return (motion, null);
    }
}

/// <summary>Argues one side with the model, streaming its words; a revision sends the fact checker's reasons.</summary>
public sealed class LlmDebater(IChatClient client) : IDebater
{
    public async Task<Statement> SpeakAsync(DebateTurn turn, NodeContext context)
    {
        var response = await client.GetStreamingResponseAsync(
                [new ChatMessage(ChatRole.System, Prompts.Debater), new ChatMessage(ChatRole.User, Prompts.Stage(turn))],
                new ChatOptions { Temperature = 0.7f, Seed = turn.Settings.Seed }, context.CancellationToken)
            .ToChatResponseAsync(context.CancellationToken);
        return new Statement(response.Text.Trim(), []);
    }
}

/// <summary>Asks the model for a pass/fail verdict with reasons, as JSON.</summary>
public sealed class LlmFactChecker(IChatClient client) : IFactChecker
{
    public Task<FactCheck> CheckAsync(string topic, string? topicId, DebateMessage statement, NodeContext context) =>
        StructuredReply.GetAsync(client, "fact checker", Prompts.FactChecker, Prompts.FactCheck(topic, statement), json =>
        {
            var verdict = StructuredReply.RequiredString(json, "verdict").Trim().ToLowerInvariant();
            if (verdict is not ("pass" or "fail")) throw new FormatException($"\"verdict\" must be \"pass\" or \"fail\", got \"{verdict}\"");
            return new FactCheck(verdict == "pass", StructuredReply.RequiredString(json, "justification"), [], []);
        }, context);
}

/// <summary>Asks the model for the winner and its reasons, as JSON.</summary>
public sealed class LlmJudge(IChatClient client) : IJudge
{
    public Task<Verdict> JudgeAsync(DebateState state, NodeContext context) =>
        StructuredReply.GetAsync(client, "judge", Prompts.Judge, Prompts.JudgeDebate(state), json =>
        {
            var winner = StructuredReply.RequiredString(json, "winner").Trim().ToLowerInvariant();
            if (!Sides.IsSide(winner)) throw new FormatException($"\"winner\" must be \"pro\" or \"con\", got \"{winner}\"");
            if (!json.TryGetProperty("reasons", out var reasons) || reasons.ValueKind != JsonValueKind.Array || reasons.GetArrayLength() == 0)
            {
                throw new FormatException("\"reasons\" is missing or not a non-empty array");
            }
            return new Verdict(winner, [.. reasons.EnumerateArray().Select(r => r.ToString())], null);
        }, context);
}
