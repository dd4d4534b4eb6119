using static Corvid.Agents.Graph;

namespace Corvid.Agents.Tests.Engine;

public class CheckpointTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<string> Stores => ["memory", "sqlite"];

    private ICheckpointSaver Store(string kind) => kind == "memory" ? new InMemoryCheckpointSaver() : new SqliteCheckpointSaver(_folder.File("threads.db"));

    /// <summary>A run of a → (b ∥ c) → d, counting every node run; <paramref name="failC"/> makes c fail until it is cleared.</summary>
    private static CompiledGraph<Flow> Diamond(ICheckpointSaver store, Dictionary<string, int> runs, Func<bool> failC) => Flow.Graph()
        .AddNode("a", _ => Count(runs, "a"))
        .AddNode("b", _ => Count(runs, "b"))
        .AddNode("c", _ => failC() ? throw new IOException("disk on fire") : Count(runs, "c"))
        .AddNode("d", s => Count(runs, $"d after {string.Join("+", s.Log)}"))
        .AddEdge(Start, "a").AddEdge("a", "b").AddEdge("a", "c").AddEdge("b", "d").AddEdge("c", "d")
        .Compile(store, "diamond");

    private static Update<Flow> Count(Dictionary<string, int> runs, string name)
    {
        lock (runs) runs[name] = runs.GetValueOrDefault(name) + 1;
        return Flow.Visit(name);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Every_step_is_checkpointed_under_the_thread_id(string kind)
    {
        var store = Store(kind);
        var graph = Diamond(store, [], () => false);

        var result = await graph.InvokeAsync(new Flow(), RunConfig.ForThread("t1"));

        var history = await graph.GetStateHistoryAsync("t1");
        Assert.Equal([0, 1, 2, 3], history.Select(h => h.Step));
        Assert.Equal(["input", "loop", "loop", "loop"], history.Select(h => h.Metadata.Source));
        Assert.Equal(["b", "c"], history[2].Metadata.Writes);
        Assert.Equal(["d"], history[2].Next);
        Assert.Equal(["a", "b", "c"], history[2].Values.Log);
        var latest = await graph.GetStateAsync("t1");
        Assert.Equal(result.State.Log, latest!.Values.Log);
        Assert.Empty(latest.Next);
        Assert.Null(await graph.GetStateAsync("other"));
        Assert.Equal(["t1"], await store.ListThreadsAsync());
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_failed_step_resumes_without_running_again_the_nodes_that_had_finished(string kind)
    {
        var store = Store(kind);
        var runs = new Dictionary<string, int>();
        var broken = true;

        await Assert.ThrowsAsync<IOException>(() => Diamond(store, runs, () => broken).InvokeAsync(new Flow(), RunConfig.ForThread("t")));
        Assert.Equal(1, runs["b"]);
        Assert.False(runs.ContainsKey("c"));

        broken = false;
        // A fresh graph over the same store: for SQLite this is what a restarted process sees.
        var resumed = await Diamond(kind == "memory" ? store : Store(kind), runs, () => broken).InvokeAsync(Resume.Continue, RunConfig.ForThread("t"));

        Assert.Equal(["a", "b", "c", "d after a+b+c"], resumed.State.Log);
        Assert.Equal(1, runs["a"]);
        Assert.Equal(1, runs["b"]);
        Assert.Equal(1, runs["c"]);
        Assert.Equal([0, 1, 2, 3], (await store.ListAsync("t")).Select(c => c.Step));
    }

    [Fact]
    public async Task Resuming_a_finished_thread_runs_nothing_and_returns_its_state()
    {
        var runs = new Dictionary<string, int>();
        var graph = Diamond(Store("sqlite"), runs, () => false);
        await graph.InvokeAsync(new Flow(), RunConfig.ForThread("done"));

        var again = await graph.InvokeAsync(Resume.Continue, RunConfig.ForThread("done"));

        Assert.Equal(4, again.State.Log.Count);
        Assert.Equal(1, runs["a"]);
    }

    [Fact]
    public async Task Resuming_an_unknown_thread_names_it()
    {
        var graph = Diamond(Store("sqlite"), [], () => false);

        var error = await Assert.ThrowsAsync<ThreadNotFoundException>(() => graph.InvokeAsync(Resume.Continue, RunConfig.ForThread("ghost")));

        Assert.Contains("'ghost'", error.Message);
    }

    [Fact]
    public async Task A_graph_with_a_checkpointer_needs_a_thread_id()
    {
        var graph = Diamond(Store("memory"), [], () => false);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => graph.InvokeAsync(new Flow()));

        Assert.Contains("ThreadId", error.Message);
    }

    [Fact]
    public async Task A_file_that_is_not_a_database_gives_an_error_naming_the_file()
    {
        var path = _folder.File("corrupt.db");
        await File.WriteAllTextAsync(path, "this is not a SQLite database, just some text that is long enough to have a header page");
        var graph = Diamond(new SqliteCheckpointSaver(path), [], () => false);

        var error = await Assert.ThrowsAsync<CheckpointStoreException>(() => graph.InvokeAsync(new Flow(), RunConfig.ForThread("t")));

        Assert.Contains(path, error.Message);
        Assert.Contains("not a database", error.Message);
    }

    [Fact]
    public async Task A_corrupt_checkpoint_row_gives_an_error_naming_the_thread()
    {
        var path = _folder.File("rows.db");
        var graph = Diamond(new SqliteCheckpointSaver(path), [], () => false);
        await graph.InvokeAsync(new Flow(), RunConfig.ForThread("t"));
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE checkpoints SET data = '{not json' WHERE seq = (SELECT MAX(seq) FROM checkpoints)";
            command.ExecuteNonQuery();
        }

        var error = await Assert.ThrowsAsync<CheckpointStoreException>(() => graph.InvokeAsync(Resume.Continue, RunConfig.ForThread("t")));

        Assert.Contains("thread 't'", error.Message);
        Assert.Contains("corrupt", error.Message);
    }
}
