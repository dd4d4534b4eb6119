namespace Corvid.Agents;

/// <summary>
/// Where a compiled graph keeps its checkpoints, keyed by thread id (LangGraph's <c>BaseCheckpointSaver</c>).
/// Corvid has <see cref="InMemoryCheckpointSaver"/> and <see cref="SqliteCheckpointSaver"/>.
/// </summary>
public interface ICheckpointSaver
{
    Task PutAsync(Checkpoint checkpoint, CancellationToken cancellationToken = default);

    /// <summary>Saves what one task of the step after <paramref name="checkpointId"/> produced.</summary>
    Task PutWriteAsync(string threadId, string checkpointId, TaskWrite write, CancellationToken cancellationToken = default);

    Task<Checkpoint?> GetLatestAsync(string threadId, CancellationToken cancellationToken = default);

    /// <summary>The task writes saved against a checkpoint, in the order they were saved.</summary>
    Task<IReadOnlyList<TaskWrite>> GetWritesAsync(string threadId, string checkpointId, CancellationToken cancellationToken = default);

    /// <summary>Every checkpoint of a thread, oldest first.</summary>
    Task<IReadOnlyList<Checkpoint>> ListAsync(string threadId, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<string>> ListThreadsAsync(CancellationToken cancellationToken = default);

    Task DeleteThreadAsync(string threadId, CancellationToken cancellationToken = default);
}
