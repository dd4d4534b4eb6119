using System.Text.Json;

namespace Corvid.Agents;

/// <summary>
/// Builds a workflow over a shared, typed state, as LangGraph's <c>StateGraph</c>: add nodes and edges,
/// give fields reducers where several writers meet, then <see cref="Compile"/> and run.
/// </summary>
/// <example>
/// <code>
/// var graph = new StateGraph&lt;Chat&gt;()
///     .AddReducer(s =&gt; s.Messages, Reducers.Append&lt;string&gt;())
///     .AddNode("greet", s =&gt; new Update&lt;Chat&gt;().Set(c =&gt; c.Messages, ["hello"]))
///     .AddEdge(Graph.Start, "greet")
///     .AddEdge("greet", Graph.End)
///     .Compile();
/// var result = await graph.InvokeAsync(new Chat());
/// </code>
/// </example>
public sealed class StateGraph<TState> where TState : class
{
    private readonly Dictionary<string, NodeSpec<TState>> _nodes = [];
    private readonly List<(string From, string To)> _edges = [];
    private readonly List<ConditionalEdge<TState>> _conditionalEdges = [];
    private readonly Dictionary<string, Delegate> _reducers = [];

    /// <summary>Combines writes to <paramref name="field"/> with <paramref name="reducer"/>(current, written) instead of replacing it.</summary>
    public StateGraph<TState> AddReducer<TValue>(System.Linq.Expressions.Expression<Func<TState, TValue>> field, Func<TValue, TValue, TValue> reducer)
    {
        _reducers[Update<TState>.FieldName(field)] = reducer;
        return this;
    }

    /// <summary>
    /// Adds a node: an async function from the state to an <see cref="Update{TState}"/> or a <see cref="Command{TState}"/>.
    /// </summary>
    /// <param name="retry">Run it again on failures the policy accepts.</param>
    /// <param name="timeout">Cancel and fail an attempt that runs longer.</param>
    /// <param name="destinations">Every node a returned <see cref="Command{TState}"/> may go to; required for commands.</param>
    public StateGraph<TState> AddNode(string name, Func<TState, NodeContext, Task<Update<TState>>> node,
        RetryPolicy? retry = null, TimeSpan? timeout = null, IEnumerable<string>? destinations = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (Graph.IsReserved(name)) throw new GraphDefinitionException($"node name '{name}' is reserved");
        if (_nodes.ContainsKey(name)) throw new GraphDefinitionException($"node '{name}' is already in the graph");
        if (timeout is { } t && t <= TimeSpan.Zero) throw new GraphDefinitionException($"node '{name}': timeout must be positive, got {t}");
        if (retry is { MaxAttempts: < 1 }) throw new GraphDefinitionException($"node '{name}': retry MaxAttempts must be at least 1, got {retry.MaxAttempts}");
        _nodes[name] = new NodeSpec<TState>(name, node, retry, timeout, destinations?.ToList() ?? []);
        return this;
    }

    public StateGraph<TState> AddNode(string name, Func<TState, Task<Update<TState>>> node,
        RetryPolicy? retry = null, TimeSpan? timeout = null, IEnumerable<string>? destinations = null) =>
        AddNode(name, (state, _) => node(state), retry, timeout, destinations);

    public StateGraph<TState> AddNode(string name, Func<TState, Update<TState>> node,
        RetryPolicy? retry = null, TimeSpan? timeout = null, IEnumerable<string>? destinations = null) =>
        AddNode(name, (state, _) => Task.FromResult(node(state)), retry, timeout, destinations);

    /// <summary>After <paramref name="from"/> runs, <paramref name="to"/> runs. Several edges out of one node fan out in parallel.</summary>
    public StateGraph<TState> AddEdge(string from, string to)
    {
        _edges.Add((from, to));
        return this;
    }

    /// <summary>After <paramref name="source"/> runs, <paramref name="route"/> picks the next node from the new state.</summary>
    public StateGraph<TState> AddConditionalEdges(string source, Func<TState, string> route, IEnumerable<string> destinations) =>
        AddRoute(source, state => [new Target<TState>(route(state), null)], destinations);

    /// <summary>After <paramref name="source"/> runs, <paramref name="route"/> picks several next nodes, run in parallel.</summary>
    public StateGraph<TState> AddConditionalEdges(string source, Func<TState, IEnumerable<string>> route, IEnumerable<string> destinations) =>
        AddRoute(source, state => route(state).Select(node => new Target<TState>(node, null)).ToList(), destinations);

    /// <summary>
    /// Per-item fan-out (LangGraph's <c>Send</c>): each send runs its node once with its own input, all in the
    /// next step; their updates meet in the shared state through the fields' reducers.
    /// </summary>
    public StateGraph<TState> AddConditionalEdges(string source, Func<TState, IEnumerable<Send<TState>>> route, IEnumerable<string> destinations) =>
        AddRoute(source, state => route(state).Select(send => new Target<TState>(send.Node, send.Input)).ToList(), destinations);

    private StateGraph<TState> AddRoute(string source, Func<TState, IReadOnlyList<Target<TState>>> route, IEnumerable<string> destinations)
    {
        var declared = destinations.ToList();
        if (declared.Count == 0) throw new GraphDefinitionException($"conditional edges from '{source}' declare no destinations");
        _conditionalEdges.Add(new ConditionalEdge<TState>(source, route, declared));
        return this;
    }

    /// <summary>
    /// Checks the graph and makes it runnable. With a <paramref name="checkpointer"/>, every step is saved under
    /// the run's thread id, so a thread can be resumed after a crash or an interrupt.
    /// </summary>
    public CompiledGraph<TState> Compile(ICheckpointSaver? checkpointer = null, string name = "graph", JsonSerializerOptions? json = null)
    {
        string Known(string node, string role)
        {
            if (node is Graph.End && role != "from") return node;
            if (node is Graph.Start && role == "from") return node;
            if (_nodes.ContainsKey(node)) return node;
            throw new GraphDefinitionException(
                $"edge {role} '{node}': no such node (nodes: {string.Join(", ", _nodes.Keys.Order())})");
        }

        foreach (var (from, to) in _edges)
        {
            Known(from, "from");
            Known(to, "to");
        }
        foreach (var edge in _conditionalEdges)
        {
            Known(edge.Source, "from");
            foreach (var destination in edge.Destinations) Known(destination, "to");
        }
        foreach (var node in _nodes.Values)
        {
            foreach (var destination in node.Destinations) Known(destination, "to");
        }
        if (!_edges.Any(e => e.From == Graph.Start) && !_conditionalEdges.Any(e => e.Source == Graph.Start))
        {
            throw new GraphDefinitionException($"the graph has no entry point; add an edge from Graph.Start to the first node");
        }

        var schema = new StateSchema<TState>(_reducers, json ?? new JsonSerializerOptions(JsonSerializerDefaults.Web));
        return new CompiledGraph<TState>(name, schema, _nodes, _edges, _conditionalEdges, checkpointer);
    }
}
