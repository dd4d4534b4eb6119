namespace Corvid.Agents;

/// <summary>Checkpoints in this process's memory (LangGraph's <c>InMemorySaver</c>): for tests and short-lived work.</summary>
public sealed class InMemoryCheckpointSaver : ICheckpointSaver
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, List<Checkpoint>> _checkpoints = [];
    private readonly Dictionary<(string Thread, string Checkpoint), List<TaskWrite>> _writes = [];

    public Task PutAsync(Checkpoint checkpoint, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_checkpoints.TryGetValue(checkpoint.ThreadId, out var list)) _checkpoints[checkpoint.ThreadId] = list = [];
            list.Add(checkpoint);
        }
        return Task.CompletedTask;
    }

    public Task PutWriteAsync(string threadId, string checkpointId, TaskWrite write, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_writes.TryGetValue((threadId, checkpointId), out var list)) _writes[(threadId, checkpointId)] = list = [];
            list.Add(write);
        }
        return Task.CompletedTask;
    }

    public Task<Checkpoint?> GetLatestAsync(string threadId, CancellationToken cancellationToken = default)
    {
        lock (_lock) return Task.FromResult(_checkpoints.GetValueOrDefault(threadId)?.LastOrDefault());
    }

    public Task<IReadOnlyList<TaskWrite>> GetWritesAsync(string threadId, string checkpointId, CancellationToken cancellationToken = default)
    {
        lock (_lock) return Task.FromResult<IReadOnlyList<TaskWrite>>([.. _writes.GetValueOrDefault((threadId, checkpointId)) ?? []]);
    }

    public Task<IReadOnlyList<Checkpoint>> ListAsync(string threadId, CancellationToken cancellationToken = default)
    {
        lock (_lock) return Task.FromResult<IReadOnlyList<Checkpoint>>([.. _checkpoints.GetValueOrDefault(threadId) ?? []]);
    }

    public Task<IReadOnlyList<string>> ListThreadsAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock) return Task.FromResult<IReadOnlyList<string>>([.. _checkpoints.Keys.Order()]);
    }

    public Task DeleteThreadAsync(string threadId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            _checkpoints.Remove(threadId);
            foreach (var key in _writes.Keys.Where(k => k.Thread == threadId).ToList()) _writes.Remove(key);
        }
        return Task.CompletedTask;
    }
}
