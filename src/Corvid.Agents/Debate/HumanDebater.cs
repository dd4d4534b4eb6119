namespace Corvid.Agents.Debate;

/// <summary>What a person taking a side is asked for, carried by the interrupt.</summary>
public sealed record HumanTurnRequest(string Side, string Stage, string Topic, string? OpponentLast, string? RevisionReason);

/// <summary>
/// A person argues one side: the node interrupts the thread with a <see cref="HumanTurnRequest"/> and the
/// statement arrives when the thread is resumed with it, in this process or a later one.
/// </summary>
public sealed class HumanDebater : IDebater
{
    public Task<Statement> SpeakAsync(DebateTurn turn, NodeContext context)
    {
        var request = new HumanTurnRequest(turn.Side, turn.Stage, turn.Topic, turn.OpponentLast?.Content, turn.Revision?.Justification);
        var text = context.Interrupt<string>(request);
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new ArgumentException($"the {turn.Side} statement for the {turn.Stage} is empty");
        }
        return Task.FromResult(new Statement(text.Trim(), []));
    }
}
