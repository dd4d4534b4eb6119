using System.Text.Json;

namespace Corvid.Agents;

/// <summary>
/// A thread's state after a step, and the tasks the next step runs. Saved after every step, so a run that
/// stops for any reason continues from here. Stores keep it as JSON; nothing in it is a live object.
/// </summary>
public sealed record Checkpoint(
    string ThreadId,
    string Id,
    string? ParentId,
    int Step,
    DateTimeOffset CreatedAt,
    JsonElement State,
    IReadOnlyList<PendingTask> Next,
    IReadOnlyList<string> Trail,
    CheckpointMetadata Metadata);

/// <summary>A node the next step runs; <see cref="Input"/> is set for a per-item <see cref="Send{TState}"/>.</summary>
public sealed record PendingTask(string Id, string Node, JsonElement? Input);

/// <summary>
/// Why the checkpoint exists (<c>input</c> for a run's start, <c>loop</c> after a step), the nodes whose writes
/// made it, and the run (one process's call) that wrote it.
/// </summary>
public sealed record CheckpointMetadata(string Source, IReadOnlyList<string> Writes, string RunId);

/// <summary>
/// Something a task of the step after a checkpoint left behind before the step completed: its result
/// (so it is not run again on resume), an interrupt it raised, or the input a resume gave it.
/// </summary>
public sealed record TaskWrite(string TaskId, string Node, string Kind, JsonElement Payload)
{
    public const string Result = "result";
    public const string InterruptKind = "interrupt";
    public const string ResumeKind = "resume";
}
