using System.Collections.Immutable;
using static Corvid.Agents.Graph;

namespace Corvid.Agents.Debate;

/// <summary>
/// Deb8flow on Corvid's engine: topic → opening → rebuttal → counter → final argument → judge, with a fact check
/// after every statement, a router that sends a failed statement back to its speaker with the checker's reasons,
/// a moderator that moves the stages, and disqualification at a side's third failed check.
/// </summary>
public static class DebateWorkflow
{
    /// <summary>A side is disqualified at this many failed fact checks (Deb8flow's rule).</summary>
    public const int FailedChecksAllowed = 2;

    /// <summary>Enough for the longest debate: 4 speeches, each with up to 2 revisions per side, and the judge.</summary>
    public const int RecursionLimit = 50;

    public static StateGraph<DebateState> Definition(DebateTeam team, RetryPolicy? llmRetry = null)
    {
        var retry = team.UsesLlm ? llmRetry ?? RetryPolicy.ForLlmCalls : null;
        return new StateGraph<DebateState>()
            .AddReducer(s => s.Messages, Reducers.AddById<DebateMessage>(m => m.Id))
            .AddReducer(s => s.UsageByNode, Reducers.Merge<string, TokenUsage>((a, b) => a + b))
            .AddReducer(s => s.UsageByRole, Reducers.Merge<string, TokenUsage>((a, b) => a + b))
            .AddNode(DebateNodes.Topic, (s, ctx) => GenerateTopic(team, s, ctx), retry)
            .AddNode(DebateNodes.Pro, (s, ctx) => Speak(team, Sides.Pro, s, ctx), retry)
            .AddNode(DebateNodes.Con, (s, ctx) => Speak(team, Sides.Con, s, ctx), retry)
            .AddNode(DebateNodes.FactCheck, (s, ctx) => FactCheck(team, s, ctx), retry)
            .AddNode(DebateNodes.Router, Route, destinations: [DebateNodes.Moderator, DebateNodes.Pro, DebateNodes.Con, End])
            .AddNode(DebateNodes.Moderator, Moderate, destinations: [DebateNodes.Pro, DebateNodes.Con, DebateNodes.Judge])
            .AddNode(DebateNodes.Judge, (s, ctx) => Judge(team, s, ctx), retry)
            .AddEdge(Start, DebateNodes.Topic)
            .AddConditionalEdges(DebateNodes.Topic, s => DebateNodes.Debater(s.Speaker), [DebateNodes.Pro, DebateNodes.Con])
            .AddEdge(DebateNodes.Pro, DebateNodes.FactCheck)
            .AddEdge(DebateNodes.Con, DebateNodes.FactCheck)
            .AddEdge(DebateNodes.FactCheck, DebateNodes.Router)
            .AddEdge(DebateNodes.Judge, End);
    }

    public static CompiledGraph<DebateState> Build(DebateTeam team, ICheckpointSaver? checkpointer = null, RetryPolicy? llmRetry = null) =>
        Definition(team, llmRetry).Compile(checkpointer, "deb8flow");

    public static DebateState InitialState(DebateSettings settings) => new() { Settings = settings, Speaker = settings.OpeningSide };

    private static async Task<Update<DebateState>> GenerateTopic(DebateTeam team, DebateState state, NodeContext ctx)
    {
        var settings = state.Settings;
        string motion;
        string? topicId;
        if (settings.TopicRequest is { } request)
        {
            var known = EvidenceBase.Default.Find(request);
            (motion, topicId) = known is not null ? (known.Motion, known.Id) : (request.Trim(), null);
        }
        else
        {
            (motion, topicId) = await team.Topics.GenerateAsync(settings, ctx);
        }
        return new Update<DebateState>()
            .Set(s => s.Topic, motion)
            .Set(s => s.TopicId, topicId)
            .Set(s => s.Stage, Stages.Opening)
            .Set(s => s.Speaker, settings.OpeningSide)
            .Set(s => s.UsageByNode, Usage(ctx.Node, ctx))
            .Set(s => s.UsageByRole, Usage("topic", ctx));
    }

    private static async Task<Update<DebateState>> Speak(DebateTeam team, string side, DebateState state, NodeContext ctx)
    {
        var last = state.Messages.LastOrDefault();
        // A failed check of this side's statement is the last message when the router sends it back.
        var revision = last is { Speaker: Speakers.FactChecker, Validated: false } && state.LastFactCheck is { Passed: false } check
            ? new Revision(state.Messages.Last(m => m.Speaker == side).Content, check.Justification, check.Errors)
            : null;
        var attempt = state.Messages.Count(m => m.Speaker == side && m.Stage == state.Stage);
        var turn = new DebateTurn(state.Topic, state.TopicId, side, state.Stage, state.Messages,
            state.Messages.LastOrDefault(m => m.Speaker == Sides.Other(side) && m.Validated), revision, state.Settings, attempt);

        var statement = await team.Debater(side).SpeakAsync(turn, ctx);
        if (string.IsNullOrWhiteSpace(statement.Content))
        {
            throw new InvalidOperationException($"the {side} debater returned an empty {state.Stage} statement");
        }
        var message = new DebateMessage(NextId(state), side, state.Stage, statement.Content.Trim(), false, statement.Evidence);
        return new Update<DebateState>()
            .Set(s => s.Messages, [message])
            .Set(s => s.Speaker, side)
            .Set(s => s.UsageByNode, Usage(ctx.Node, ctx))
            .Set(s => s.UsageByRole, Usage(side, ctx));
    }

    private static async Task<Update<DebateState>> FactCheck(DebateTeam team, DebateState state, NodeContext ctx)
    {
        var statement = state.Messages.Last(m => m.Speaker == state.Speaker);
        var check = await team.FactChecker.CheckAsync(state.Topic, state.TopicId, statement, ctx);
        var verdict = new DebateMessage(NextId(state), Speakers.FactChecker, state.Stage,
            $"{(check.Passed ? "PASS" : "FAIL")}: {check.Justification}", check.Passed, check.Evidence);
        var update = new Update<DebateState>()
            .Set(s => s.LastFactCheck, check)
            .Set(s => s.UsageByNode, Usage(ctx.Node, ctx))
            .Set(s => s.UsageByRole, Usage(Speakers.FactChecker, ctx));
        if (check.Passed)
        {
            var evidence = statement.Evidence.IsEmpty ? check.Evidence : statement.Evidence;
            return update.Set(s => s.Messages, [statement with { Validated = true, Evidence = evidence }, verdict]);
        }
        update.Set(s => s.Messages, [verdict]);
        return state.Speaker == Sides.Pro
            ? update.Set(s => s.ProFailedChecks, state.ProFailedChecks + 1)
            : update.Set(s => s.ConFailedChecks, state.ConFailedChecks + 1);
    }

    private static Update<DebateState> Route(DebateState state)
    {
        var side = state.Speaker;
        if (state.FailedChecks(side) > FailedChecksAllowed)
        {
            var winner = Sides.Other(side);
            var verdict = new Verdict(winner,
                [$"{side.ToUpperInvariant()} failed {state.FailedChecks(side)} fact checks and is disqualified; {winner.ToUpperInvariant()} wins by default."],
                side);
            var announcement = new DebateMessage(NextId(state), Speakers.Moderator, Stages.Verdict,
                $"Debate ended early due to excessive factual inaccuracies.\n\nDISQUALIFIED: {side.ToUpperInvariant()} (exceeded fact check limit)\nWINNER: {winner.ToUpperInvariant()}",
                true, []);
            return new Command<DebateState>(End).Set(s => s.Verdict, verdict).Set(s => s.Messages, [announcement]);
        }
        return state.Messages.Last(m => m.Speaker == side).Validated
            ? new Command<DebateState>(DebateNodes.Moderator)
            : new Command<DebateState>(DebateNodes.Debater(side));
    }

    private static Update<DebateState> Moderate(DebateState state)
    {
        var index = Stages.Order.ToList().IndexOf(state.Stage);
        if (index == Stages.Order.Count - 1)
        {
            return new Command<DebateState>(DebateNodes.Judge).Set(s => s.Messages,
                [new DebateMessage(NextId(state), Speakers.Moderator, Stages.Verdict, "The debate is closed. Judge, your decision.", true, [])]);
        }
        var stage = Stages.Order[index + 1];
        var speaker = Sides.Other(state.Speaker);
        var call = new DebateMessage(NextId(state), Speakers.Moderator, stage,
            $"{speaker.ToUpperInvariant()}, the floor is yours for the {stage.Replace('_', ' ')}.", true, []);
        return new Command<DebateState>(DebateNodes.Debater(speaker))
            .Set(s => s.Stage, stage)
            .Set(s => s.Speaker, speaker)
            .Set(s => s.Messages, [call]);
    }

    private static async Task<Update<DebateState>> Judge(DebateTeam team, DebateState state, NodeContext ctx)
    {
        var verdict = await team.Judge.JudgeAsync(state, ctx);
        var decision = new DebateMessage(NextId(state), Speakers.Judge, Stages.Verdict,
            $"WINNER: {verdict.Winner.ToUpperInvariant()}\n\nREASON: {string.Join(" ", verdict.Reasons)}", true, []);
        return new Update<DebateState>()
            .Set(s => s.Verdict, verdict)
            .Set(s => s.Messages, [decision])
            .Set(s => s.UsageByNode, Usage(ctx.Node, ctx))
            .Set(s => s.UsageByRole, Usage(Speakers.Judge, ctx));
    }

    private static string NextId(DebateState state) => $"m{state.Messages.Count + 1}";

    private static ImmutableSortedDictionary<string, TokenUsage> Usage(string key, NodeContext ctx) =>
        ImmutableSortedDictionary<string, TokenUsage>.Empty.Add(key, ctx.Usage);
}
