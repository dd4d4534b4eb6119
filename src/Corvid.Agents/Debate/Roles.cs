using System.Collections.Immutable;

namespace Corvid.Agents.Debate;

/// <summary>What a debater is asked to do: which side, which speech, what was said, and what to fix if revising.</summary>
public sealed record DebateTurn(
    string Topic,
    string? TopicId,
    string Side,
    string Stage,
    IReadOnlyList<DebateMessage> History,
    DebateMessage? OpponentLast,
    Revision? Revision,
    DebateSettings Settings,
    int Attempt);

/// <summary>A statement that failed its fact check, and the checker's reasons, handed back to its speaker.</summary>
public sealed record Revision(string PreviousStatement, string Justification, ImmutableList<FigureError> Errors);

/// <summary>A debater's statement and the evidence items it cites (empty when unknown).</summary>
public sealed record Statement(string Content, ImmutableList<string> Evidence);

public interface ITopicGenerator
{
    /// <summary>Picks a motion; <c>TopicId</c> names its evidence-base topic when there is one.</summary>
    Task<(string Motion, string? TopicId)> GenerateAsync(DebateSettings settings, NodeContext context);
}

public interface IDebater
{
    Task<Statement> SpeakAsync(DebateTurn turn, NodeContext context);
}

public interface IFactChecker
{
    Task<FactCheck> CheckAsync(string topic, string? topicId, DebateMessage statement, NodeContext context);
}

public interface IJudge
{
    Task<Verdict> JudgeAsync(DebateState state, NodeContext context);
}

/// <summary>The five roles of a debate; <see cref="DebateTeam.Create"/> picks offline or LLM ones.</summary>
public sealed record DebateTeam(ITopicGenerator Topics, IDebater Pro, IDebater Con, IFactChecker FactChecker, IJudge Judge, bool UsesLlm)
{
    public IDebater Debater(string side) => side == Sides.Pro ? Pro : Con;
}
