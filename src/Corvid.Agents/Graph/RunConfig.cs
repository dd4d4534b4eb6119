namespace Corvid.Agents;

/// <summary>Per-run settings, as LangGraph's <c>config</c>: which thread, how many steps, which clock.</summary>
public sealed record RunConfig
{
    /// <summary>The conversation or job whose checkpoints this run reads and writes (needed with a checkpointer).</summary>
    public string? ThreadId { get; init; }

    /// <summary>Most steps one run may take; reaching it raises <see cref="GraphRecursionException"/>.</summary>
    public int RecursionLimit { get; init; } = 25;

    /// <summary>The clock for retries, timeouts and timestamps; tests pass a virtual one.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Source of retry jitter.</summary>
    public Random Random { get; init; } = Random.Shared;

    public static RunConfig ForThread(string threadId) => new() { ThreadId = threadId };
}
