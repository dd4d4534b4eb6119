using System.Text;

namespace Corvid.Agents;

/// <summary>
/// A graph ready to run (LangGraph's compiled graph): <see cref="InvokeAsync(TState, RunConfig?, CancellationToken)"/>
/// runs it to the end, <see cref="StreamAsync(TState, RunConfig?, CancellationToken)"/> reports every step as it happens,
/// the <see cref="Resume"/> overloads continue a checkpointed thread, and <see cref="ToMermaid"/> draws it.
/// </summary>
public sealed class CompiledGraph<TState> where TState : class
{
    internal CompiledGraph(string name, StateSchema<TState> schema, IReadOnlyDictionary<string, NodeSpec<TState>> nodes,
        IReadOnlyList<(string From, string To)> edges, IReadOnlyList<ConditionalEdge<TState>> conditionalEdges, ICheckpointSaver? checkpointer)
    {
        Name = name;
        Schema = schema;
        Nodes = nodes;
        Edges = edges;
        ConditionalEdges = conditionalEdges;
        Checkpointer = checkpointer;
    }

    public string Name { get; }
    public ICheckpointSaver? Checkpointer { get; }

    internal StateSchema<TState> Schema { get; }
    internal IReadOnlyDictionary<string, NodeSpec<TState>> Nodes { get; }
    internal IReadOnlyList<(string From, string To)> Edges { get; }
    internal IReadOnlyList<ConditionalEdge<TState>> ConditionalEdges { get; }

    /// <summary>Runs from <see cref="Graph.Start"/> with <paramref name="input"/> as the state until no node is left to run or a node interrupts.</summary>
    public Task<RunResult<TState>> InvokeAsync(TState input, RunConfig? config = null, CancellationToken cancellationToken = default) =>
        LastResult(StreamAsync(input, config, cancellationToken));

    /// <summary>Continues the thread named in <paramref name="config"/> from its last checkpoint.</summary>
    public Task<RunResult<TState>> InvokeAsync(Resume resume, RunConfig config, CancellationToken cancellationToken = default) =>
        LastResult(StreamAsync(resume, config, cancellationToken));

    /// <summary>Runs like InvokeAsync and yields every event: node started/finished, retries, LLM tokens, step results.</summary>
    public IAsyncEnumerable<GraphEvent> StreamAsync(TState input, RunConfig? config = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new GraphRun<TState>(this, config ?? new RunConfig()).RunAsync(input, null, cancellationToken);
    }

    public IAsyncEnumerable<GraphEvent> StreamAsync(Resume resume, RunConfig config, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(resume);
        return new GraphRun<TState>(this, config).RunAsync(null, resume, cancellationToken);
    }

    /// <summary>The thread's latest checkpoint, or null if the thread has none.</summary>
    public async Task<StateSnapshot<TState>?> GetStateAsync(string threadId, CancellationToken cancellationToken = default)
    {
        var saver = RequireCheckpointer();
        var checkpoint = await saver.GetLatestAsync(threadId, cancellationToken);
        if (checkpoint is null) return null;
        var writes = await saver.GetWritesAsync(threadId, checkpoint.Id, cancellationToken);
        return Snapshot(checkpoint, PendingWrites.Interrupts(checkpoint, writes));
    }

    /// <summary>Every checkpoint of the thread, oldest first.</summary>
    public async Task<IReadOnlyList<StateSnapshot<TState>>> GetStateHistoryAsync(string threadId, CancellationToken cancellationToken = default)
    {
        var checkpoints = await RequireCheckpointer().ListAsync(threadId, cancellationToken);
        return checkpoints.Select(c => Snapshot(c, [])).ToList();
    }

    private StateSnapshot<TState> Snapshot(Checkpoint checkpoint, IReadOnlyList<Interrupt> interrupts) =>
        new(Schema.Deserialize(checkpoint.State), checkpoint.Step, checkpoint.Next.Select(t => t.Node).ToList(),
            interrupts, checkpoint.Id, checkpoint.CreatedAt, checkpoint.Metadata);

    private ICheckpointSaver RequireCheckpointer() =>
        Checkpointer ?? throw new InvalidOperationException($"graph '{Name}' was compiled without a checkpointer; pass one to Compile()");

    /// <summary>
    /// The graph as a Mermaid flowchart, drawn from the definition that runs: static edges solid, conditional
    /// edges and the declared targets of commands dashed.
    /// </summary>
    public string ToMermaid()
    {
        static string Id(string node) => node switch
        {
            Graph.Start => "__start__",
            Graph.End => "__end__",
            _ => new string(node.Select(c => char.IsLetterOrDigit(c) ? c : '_').ToArray()),
        };

        var text = new StringBuilder();
        text.AppendLine("---").AppendLine($"title: {Name}").AppendLine("---");
        text.AppendLine("flowchart TD");
        text.AppendLine($"    {Id(Graph.Start)}([\"{Graph.Start}\"])");
        foreach (var node in Nodes.Keys) text.AppendLine($"    {Id(node)}[\"{node}\"]");
        text.AppendLine($"    {Id(Graph.End)}([\"{Graph.End}\"])");

        var drawn = new HashSet<string>();
        void Draw(string from, string to, bool dashed)
        {
            var line = dashed ? $"    {Id(from)} -.-> {Id(to)}" : $"    {Id(from)} --> {Id(to)}";
            if (drawn.Add(line)) text.AppendLine(line);
        }

        foreach (var (from, to) in Edges) Draw(from, to, dashed: false);
        foreach (var edge in ConditionalEdges)
        {
            foreach (var to in edge.Destinations) Draw(edge.Source, to, dashed: true);
        }
        foreach (var node in Nodes.Values)
        {
            foreach (var to in node.Destinations) Draw(node.Name, to, dashed: true);
        }
        return text.ToString();
    }

    private static async Task<RunResult<TState>> LastResult(IAsyncEnumerable<GraphEvent> events)
    {
        RunResult<TState>? result = null;
        await foreach (var e in events)
        {
            if (e is RunFinished<TState> finished) result = finished.Result;
        }
        return result ?? throw new InvalidOperationException("the run ended without a result");
    }
}
