namespace Corvid.Agents;

/// <summary>What a run reports while it runs (<c>StreamAsync</c>); <see cref="Step"/> is the step it belongs to.</summary>
public abstract record GraphEvent(int Step);

public sealed record NodeStarted(int Step, string Node, string TaskId, int Attempt) : GraphEvent(Step);

/// <summary>A node finished: the fields it wrote, where its command sent the run, and the LLM tokens it used.</summary>
public sealed record NodeFinished(int Step, string Node, string TaskId, IReadOnlyList<string> Fields,
    IReadOnlyList<string> Goto, TokenUsage Usage, TimeSpan Elapsed) : GraphEvent(Step);

/// <summary>A node failed and will run again after <see cref="Delay"/> (on the run's clock).</summary>
public sealed record RetryScheduled(int Step, string Node, int NextAttempt, TimeSpan Delay, Exception Error) : GraphEvent(Step);

/// <summary>A piece of text streamed by an LLM inside a node.</summary>
public sealed record LlmToken(int Step, string Node, string Text) : GraphEvent(Step);

/// <summary>An LLM call inside a node completed.</summary>
public sealed record LlmCallFinished(int Step, string Node, string? Model, TokenUsage Usage) : GraphEvent(Step);

/// <summary>Anything a node chose to report with <see cref="NodeContext.Emit"/>.</summary>
public sealed record CustomEvent(int Step, string Node, object Payload) : GraphEvent(Step);

/// <summary>A node paused the thread waiting for input.</summary>
public sealed record Interrupted(int Step, Interrupt Interrupt) : GraphEvent(Step);

/// <summary>A step's writes were applied and checkpointed; <see cref="State"/> is the state after it.</summary>
public sealed record StepCompleted<TState>(int Step, IReadOnlyList<string> Nodes, TState State, IReadOnlyList<string> Next)
    : GraphEvent(Step) where TState : class;

/// <summary>The run stopped: finished, or paused on interrupts.</summary>
public sealed record RunFinished<TState>(int Step, RunResult<TState> Result) : GraphEvent(Step) where TState : class;
