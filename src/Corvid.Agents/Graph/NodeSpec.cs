namespace Corvid.Agents;

/// <summary>A node as the builder recorded it.</summary>
internal sealed record NodeSpec<TState>(
    string Name,
    Func<TState, NodeContext, Task<Update<TState>>> Run,
    RetryPolicy? Retry,
    TimeSpan? Timeout,
    IReadOnlyList<string> Destinations) where TState : class;

/// <summary>
/// A conditional edge: after <see cref="Source"/> runs, <see cref="Route"/> reads the new state and picks the
/// next nodes (or per-item sends). <see cref="Destinations"/> are the declared choices, drawn in the diagram.
/// </summary>
internal sealed record ConditionalEdge<TState>(
    string Source,
    Func<TState, IReadOnlyList<Target<TState>>> Route,
    IReadOnlyList<string> Destinations) where TState : class;

/// <summary>A node to run next, with its own input for a <see cref="Send{TState}"/>.</summary>
internal sealed record Target<TState>(string Node, TState? Input) where TState : class;
