namespace Corvid.Agents;

/// <summary>
/// Runs <see cref="Node"/> in the next step with <see cref="Input"/> as its state instead of the shared one
/// (LangGraph's <c>Send</c>): return several from a conditional edge to map a node over items; their
/// updates are reduced into the shared state.
/// </summary>
public sealed record Send<TState>(string Node, TState Input) where TState : class;

/// <summary>Lets the compiler infer the state type: <c>Send.To("grade", state with { Item = x })</c>.</summary>
public static class Send
{
    public static Send<TState> To<TState>(string node, TState input) where TState : class => new(node, input);
}
