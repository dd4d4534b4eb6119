namespace Corvid.Agents.Debate;

/// <summary>
/// The prompts of the LLM roles. They follow Deb8flow's, with its gaps closed: a revision prompt that is really
/// used and carries the fact checker's reasons, and structured replies for the fact checker and the judge.
/// </summary>
internal static class Prompts
{
    public const string Topic = """
        You are a brainstorming AI that suggests debate topics.
        You will provide a single, interesting or timely topic that can have two opposing views.
        """;

    public const string TopicRequest = """
        Please suggest one debate topic for two AI agents to discuss.
        For example, it could be about technology, politics, philosophy, or any interesting domain.
        Just provide the topic in a concise sentence, with no preamble and no quotation marks.
        """;

    public const string Debater = """
        You are an AI debating assistant taking part in a formal debate against another AI.
        You argue your assigned side only. You are not summarizing or evaluating the debate.
        Use facts, logic, and rhetoric. Cite a source for every figure you state, and state only figures you are sure of:
        a fact checker verifies every number, and three failed checks disqualify you.
        Keep each statement under 200 words.
        """;

    public static string Stage(DebateTurn turn)
    {
        var position = turn.Side == Sides.Pro ? "in favour of" : "against";
        var task = turn.Stage switch
        {
            Stages.Opening => $"Give your opening statement {position} the topic.",
            Stages.Rebuttal => $"Rebut your opponent's statement, arguing {position} the topic.",
            Stages.Counter => $"Counter your opponent's rebuttal, arguing {position} the topic.",
            _ => $"Give your final argument {position} the topic, answering what your opponent said.",
        };
        var text = $"Debate topic: \"{turn.Topic}\"\nYou argue {position} it ({turn.Side.ToUpperInvariant()}).\n{task}\n";
        if (turn.OpponentLast is { } opponent) text += $"\nYour opponent's last statement:\n{opponent.Content}\n";
        if (turn.History.Count > 0) text += $"\nThe debate so far:\n{History(turn.History)}\n";
        if (turn.Revision is { } revision)
        {
            text += $"""

                Your previous {turn.Stage.Replace('_', ' ')} statement was flagged by the fact checker:
                "{revision.PreviousStatement}"
                The fact checker's reasons: {revision.Justification}
                Write a revised statement that fixes exactly these problems and keeps your argument.
                """;
        }
        return text;
    }

    public const string FactChecker = """
        You are a meticulous fact checker for a formal debate. Check the numeric and factual claims in the statement
        (figures, dates, studies, named sources). Opinions and arguments are not claims to check.
        Reply with only a JSON object, no other text:
        {"verdict": "pass" or "fail", "justification": "which claim is wrong and what the source says, or why it passes"}
        """;

    public static string FactCheck(string topic, DebateMessage statement) =>
        $"Debate topic: \"{topic}\"\nStatement by {statement.Speaker.ToUpperInvariant()} ({statement.Stage}):\n{statement.Content}";

    public const string Judge = """
        You are an impartial debate judge. Evaluate the arguments of both sides for their rhetorical effectiveness,
        use of evidence and how well they answered each other, not the truth of their position.
        Fact-check failures count against a side. Do not summarize the debate: make a judgment.
        Reply with only a JSON object, no other text:
        {"winner": "pro" or "con", "reasons": ["reason", "..."]}
        """;

    public static string JudgeDebate(DebateState state) =>
        $"Debate topic: \"{state.Topic}\"\nFailed fact checks: PRO {state.ProFailedChecks}, CON {state.ConFailedChecks}\n\n"
        + $"The debate:\n{History(state.Messages)}\n\nDecide who presented their case more effectively.";

    /// <summary>Deb8flow's history format: one "[STAGE] SPEAKER: content" line per message.</summary>
    public static string History(IEnumerable<DebateMessage> messages) =>
        string.Join('\n', messages.Select(m => $"[{m.Stage.ToUpperInvariant()}] {m.Speaker.ToUpperInvariant()}: {m.Content}"));
}
