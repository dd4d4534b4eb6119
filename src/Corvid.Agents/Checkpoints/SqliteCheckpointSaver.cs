using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Corvid.Agents;

/// <summary>
/// Checkpoints in a SQLite file (LangGraph's <c>SqliteSaver</c>): a thread survives the process, so a run that
/// was killed, crashed or is waiting for a human continues later from where it stopped. Every checkpoint and
/// task write is its own committed transaction; rows are only ever added.
/// </summary>
public sealed class SqliteCheckpointSaver : ICheckpointSaver
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private const string Schema = """
        PRAGMA journal_mode = WAL;
        CREATE TABLE IF NOT EXISTS checkpoints (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            thread_id TEXT NOT NULL,
            checkpoint_id TEXT NOT NULL UNIQUE,
            parent_id TEXT,
            step INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            data TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS checkpoints_by_thread ON checkpoints (thread_id, seq);
        CREATE TABLE IF NOT EXISTS writes (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            thread_id TEXT NOT NULL,
            checkpoint_id TEXT NOT NULL,
            task_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            data TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS writes_by_checkpoint ON writes (thread_id, checkpoint_id, seq);
        """;

    private readonly string _connectionString;
    private readonly SemaphoreSlim _ready = new(1, 1);
    private bool _initialized;

    public SqliteCheckpointSaver(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false }.ToString();
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    public Task PutAsync(Checkpoint checkpoint, CancellationToken cancellationToken = default) =>
        Execute(cancellationToken, async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                INSERT INTO checkpoints (thread_id, checkpoint_id, parent_id, step, created_at, data)
                VALUES ($thread, $id, $parent, $step, $created, $data)
                """;
            command.Parameters.AddWithValue("$thread", checkpoint.ThreadId);
            command.Parameters.AddWithValue("$id", checkpoint.Id);
            command.Parameters.AddWithValue("$parent", (object?)checkpoint.ParentId ?? DBNull.Value);
            command.Parameters.AddWithValue("$step", checkpoint.Step);
            command.Parameters.AddWithValue("$created", checkpoint.CreatedAt.ToString("O"));
            command.Parameters.AddWithValue("$data", JsonSerializer.Serialize(checkpoint, Json));
            await command.ExecuteNonQueryAsync(cancellationToken);
            return 0;
        });

    public Task PutWriteAsync(string threadId, string checkpointId, TaskWrite write, CancellationToken cancellationToken = default) =>
        Execute(cancellationToken, async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                INSERT INTO writes (thread_id, checkpoint_id, task_id, kind, data) VALUES ($thread, $checkpoint, $task, $kind, $data)
                """;
            command.Parameters.AddWithValue("$thread", threadId);
            command.Parameters.AddWithValue("$checkpoint", checkpointId);
            command.Parameters.AddWithValue("$task", write.TaskId);
            command.Parameters.AddWithValue("$kind", write.Kind);
            command.Parameters.AddWithValue("$data", JsonSerializer.Serialize(write, Json));
            await command.ExecuteNonQueryAsync(cancellationToken);
            return 0;
        });

    public async Task<Checkpoint?> GetLatestAsync(string threadId, CancellationToken cancellationToken = default) =>
        (await Checkpoints(threadId, "ORDER BY seq DESC LIMIT 1", cancellationToken)).SingleOrDefault();

    public Task<IReadOnlyList<Checkpoint>> ListAsync(string threadId, CancellationToken cancellationToken = default) =>
        Checkpoints(threadId, "ORDER BY seq", cancellationToken);

    public Task<IReadOnlyList<TaskWrite>> GetWritesAsync(string threadId, string checkpointId, CancellationToken cancellationToken = default) =>
        Execute<IReadOnlyList<TaskWrite>>(cancellationToken, async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT data FROM writes WHERE thread_id = $thread AND checkpoint_id = $checkpoint ORDER BY seq";
            command.Parameters.AddWithValue("$thread", threadId);
            command.Parameters.AddWithValue("$checkpoint", checkpointId);
            var writes = new List<TaskWrite>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                writes.Add(Parse<TaskWrite>(reader.GetString(0), $"a task write of thread '{threadId}'"));
            }
            return writes;
        });

    public Task<IReadOnlyList<string>> ListThreadsAsync(CancellationToken cancellationToken = default) =>
        Execute<IReadOnlyList<string>>(cancellationToken, async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT DISTINCT thread_id FROM checkpoints ORDER BY thread_id";
            var threads = new List<string>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) threads.Add(reader.GetString(0));
            return threads;
        });

    public Task DeleteThreadAsync(string threadId, CancellationToken cancellationToken = default) =>
        Execute(cancellationToken, async connection =>
        {
            await using var transaction = connection.BeginTransaction();
            foreach (var table in new[] { "checkpoints", "writes" })
            {
                await using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = $"DELETE FROM {table} WHERE thread_id = $thread";
                command.Parameters.AddWithValue("$thread", threadId);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
            return 0;
        });

    private Task<IReadOnlyList<Checkpoint>> Checkpoints(string threadId, string order, CancellationToken cancellationToken) =>
        Execute<IReadOnlyList<Checkpoint>>(cancellationToken, async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT data FROM checkpoints WHERE thread_id = $thread {order}";
            command.Parameters.AddWithValue("$thread", threadId);
            var checkpoints = new List<Checkpoint>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                checkpoints.Add(Parse<Checkpoint>(reader.GetString(0), $"a checkpoint of thread '{threadId}'"));
            }
            return checkpoints;
        });

    private T Parse<T>(string json, string what)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Json) ?? throw new JsonException("null");
        }
        catch (JsonException error)
        {
            throw new CheckpointStoreException($"checkpoint database '{Path}': {what} is corrupt ({error.Message})", error);
        }
    }

    /// <summary>Opens the file, creating the tables once, and turns SQLite's errors into messages that name the file.</summary>
    private async Task<T> Execute<T>(CancellationToken cancellationToken, Func<SqliteConnection, Task<T>> work)
    {
        try
        {
            var folder = System.IO.Path.GetDirectoryName(Path);
            if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
            await using var connection = new SqliteConnection(_connectionString);
            await connection.OpenAsync(cancellationToken);
            if (!_initialized)
            {
                await _ready.WaitAsync(cancellationToken);
                try
                {
                    await using var create = connection.CreateCommand();
                    create.CommandText = Schema;
                    await create.ExecuteNonQueryAsync(cancellationToken);
                    _initialized = true;
                }
                finally
                {
                    _ready.Release();
                }
            }
            return await work(connection);
        }
        catch (SqliteException error)
        {
            throw new CheckpointStoreException($"checkpoint database '{Path}' cannot be used: {error.Message}", error);
        }
    }
}

/// <summary>A checkpoint store could not be read or written: names the store and what is wrong with it.</summary>
public sealed class CheckpointStoreException(string message, Exception? inner = null) : Exception(message, inner);
