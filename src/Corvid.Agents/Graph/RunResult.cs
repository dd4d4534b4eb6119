namespace Corvid.Agents;

/// <summary>The state a run ended with, and what it waits for if a node interrupted it.</summary>
public sealed record RunResult<TState>(TState State, int Step, IReadOnlyList<Interrupt> Interrupts, string? ThreadId)
    where TState : class
{
    public bool IsInterrupted => Interrupts.Count > 0;
}

/// <summary>A thread's state at one checkpoint (LangGraph's <c>StateSnapshot</c>).</summary>
public sealed record StateSnapshot<TState>(
    TState Values,
    int Step,
    IReadOnlyList<string> Next,
    IReadOnlyList<Interrupt> Interrupts,
    string CheckpointId,
    DateTimeOffset CreatedAt,
    CheckpointMetadata Metadata) where TState : class;
