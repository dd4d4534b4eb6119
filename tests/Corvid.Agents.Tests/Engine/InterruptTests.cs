using static Corvid.Agents.Graph;

namespace Corvid.Agents.Tests.Engine;

public class InterruptTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private sealed record Question(string Ask, int Turn);

    /// <summary>draft → review (asks a human, twice) → publish; counts runs of each node.</summary>
    private static CompiledGraph<Flow> Review(ICheckpointSaver store, Dictionary<string, int> runs) => Flow.Graph()
        .AddNode("draft", _ => { runs["draft"] = runs.GetValueOrDefault("draft") + 1; return Flow.Visit("draft"); })
        .AddNode("review", (s, ctx) =>
        {
            runs["review"] = runs.GetValueOrDefault("review") + 1;
            var verdict = ctx.Interrupt<string>(new Question("approve the draft?", 1));
            var note = ctx.Interrupt<string>(new Question("any note?", 2));
            return Task.FromResult(Flow.Visit($"review: {verdict} ({note})"));
        })
        .AddNode("publish", _ => Flow.Visit("publish"))
        .AddEdge(Start, "draft").AddEdge("draft", "review").AddEdge("review", "publish")
        .Compile(store, "review");

    [Fact]
    public async Task An_interrupt_pauses_the_thread_and_resume_answers_it_across_a_restart()
    {
        var path = _folder.File("hitl.db");
        var runs = new Dictionary<string, int>();
        var config = RunConfig.ForThread("doc-1");

        var paused = await Review(new SqliteCheckpointSaver(path), runs).InvokeAsync(new Flow(), config);

        Assert.True(paused.IsInterrupted);
        var interrupt = Assert.Single(paused.Interrupts);
        Assert.Equal("review", interrupt.Node);
        Assert.Equal(new Question("approve the draft?", 1), interrupt.GetValue<Question>());
        Assert.Equal(["draft"], paused.State.Log);

        // A new process: new graph, new store object, same file.
        var restarted = Review(new SqliteCheckpointSaver(path), runs);
        var snapshot = await restarted.GetStateAsync("doc-1");
        Assert.Equal(interrupt.Id, Assert.Single(snapshot!.Interrupts).Id);
        Assert.Equal(["review"], snapshot.Next);

        var second = await restarted.InvokeAsync(Resume.With("yes"), config);
        Assert.Equal("any note?", Assert.Single(second.Interrupts).GetValue<Question>()!.Ask);

        var done = await Review(new SqliteCheckpointSaver(path), runs).InvokeAsync(Resume.With("ship it"), config);

        Assert.False(done.IsInterrupted);
        Assert.Equal(["draft", "review: yes (ship it)", "publish"], done.State.Log);
        Assert.Equal(1, runs["draft"]);
        Assert.Equal(3, runs["review"]); // an interrupted node runs again from its start, as in LangGraph
    }

    [Fact]
    public async Task Resuming_with_a_value_when_nothing_waits_is_refused()
    {
        var store = new InMemoryCheckpointSaver();
        var graph = Flow.Graph().AddNode("a", _ => Flow.Visit("a")).AddEdge(Start, "a").Compile(store);
        await graph.InvokeAsync(new Flow(), RunConfig.ForThread("t"));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => graph.InvokeAsync(Resume.With("hello"), RunConfig.ForThread("t")));

        Assert.Contains("not waiting for input", error.Message);
    }

    [Fact]
    public async Task Parallel_interrupts_are_answered_by_id()
    {
        var store = new InMemoryCheckpointSaver();
        var graph = Flow.Graph()
            .AddNode("left", (_, ctx) => Task.FromResult(Flow.Visit("left " + ctx.Interrupt<string>("L?"))))
            .AddNode("right", (_, ctx) => Task.FromResult(Flow.Visit("right " + ctx.Interrupt<string>("R?"))))
            .AddEdge(Start, "left").AddEdge(Start, "right")
            .Compile(store);
        var config = RunConfig.ForThread("p");

        var paused = await graph.InvokeAsync(new Flow(), config);
        Assert.Equal(2, paused.Interrupts.Count);
        await Assert.ThrowsAsync<ArgumentException>(() => graph.InvokeAsync(Resume.With("x"), config));

        var ids = paused.Interrupts.ToDictionary(i => i.Id, i => (object?)(i.Node == "left" ? "1" : "2"));
        var done = await graph.InvokeAsync(Resume.ById(ids), config);

        Assert.Equal(["left 1", "right 2"], done.State.Log);
    }
}
