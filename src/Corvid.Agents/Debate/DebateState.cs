using System.Collections.Immutable;

namespace Corvid.Agents.Debate;

/// <summary>
/// Everything the debate knows, shared by its nodes and saved at every step. Messages merge by id (a fact
/// check replaces a statement with its validated copy, as LangGraph's add_messages does); token usage adds
/// up per node and per role; every other field keeps its last value.
/// </summary>
public sealed record DebateState
{
    public DebateSettings Settings { get; init; } = new();
    public string Topic { get; init; } = "";

    /// <summary>The evidence-base topic the offline roles argue from; null for a free topic given to LLMs.</summary>
    public string? TopicId { get; init; }

    public string Stage { get; init; } = Stages.Opening;

    /// <summary>The side whose statement is being made or checked.</summary>
    public string Speaker { get; init; } = Sides.Pro;

    public ImmutableList<DebateMessage> Messages { get; init; } = [];
    public int ProFailedChecks { get; init; }
    public int ConFailedChecks { get; init; }
    public FactCheck? LastFactCheck { get; init; }
    public Verdict? Verdict { get; init; }
    public ImmutableSortedDictionary<string, TokenUsage> UsageByNode { get; init; } = ImmutableSortedDictionary<string, TokenUsage>.Empty;
    public ImmutableSortedDictionary<string, TokenUsage> UsageByRole { get; init; } = ImmutableSortedDictionary<string, TokenUsage>.Empty;

    public int FailedChecks(string side) => side == Sides.Pro ? ProFailedChecks : ConFailedChecks;
}

/// <summary>One line of the debate: a statement, a fact-check verdict, a moderator's call or the judge's decision.</summary>
public sealed record DebateMessage(
    string Id,
    string Speaker,
    string Stage,
    string Content,
    bool Validated,
    ImmutableList<string> Evidence);

/// <summary>How a debate is set up; kept in the state so a resumed thread runs exactly as it started.</summary>
public sealed record DebateSettings
{
    public int Seed { get; init; } = 1;

    /// <summary>Chance that an offline debater misquotes one figure in a statement.</summary>
    public double MisquoteRate { get; init; }

    public string OpeningSide { get; init; } = Sides.Pro;

    /// <summary>The side a person argues (through interrupts), if any.</summary>
    public string? HumanSide { get; init; }

    /// <summary>The topic asked for (an evidence-base id or a motion), or null to generate one.</summary>
    public string? TopicRequest { get; init; }

    public string Provider { get; init; } = "offline";
    public string? Endpoint { get; init; }
    public string? Model { get; init; }
}

/// <summary>A fact checker's finding on one statement.</summary>
public sealed record FactCheck(bool Passed, string Justification, ImmutableList<FigureError> Errors, ImmutableList<string> Evidence);

/// <summary>A figure a statement got wrong: what it said and what the source says.</summary>
public sealed record FigureError(string EvidenceId, string Claimed, string Actual);

/// <summary>The outcome: the winner, why, and the side disqualified for failed fact checks, if any.</summary>
public sealed record Verdict(string Winner, ImmutableList<string> Reasons, string? Disqualified);

public static class Sides
{
    public const string Pro = "pro";
    public const string Con = "con";

    public static string Other(string side) => side == Pro ? Con : Pro;

    public static bool IsSide(string? value) => value is Pro or Con;
}

/// <summary>The four speeches, in order: the opening side speaks first and third.</summary>
public static class Stages
{
    public const string Opening = "opening";
    public const string Rebuttal = "rebuttal";
    public const string Counter = "counter";
    public const string FinalArgument = "final_argument";
    public const string Verdict = "verdict";

    public static readonly IReadOnlyList<string> Order = [Opening, Rebuttal, Counter, FinalArgument];
}

/// <summary>Who speaks, besides the two sides.</summary>
public static class Speakers
{
    public const string FactChecker = "fact_checker";
    public const string Moderator = "moderator";
    public const string Judge = "judge";
}
