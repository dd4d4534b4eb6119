using System.Collections.Immutable;

namespace Corvid.Agents.Tests.Engine;

/// <summary>A small state for engine tests: a log that appends, a counter, and a few last-value fields.</summary>
public sealed record Flow
{
    public ImmutableList<string> Log { get; init; } = [];
    public int Count { get; init; }
    public string? Route { get; init; }
    public string? Item { get; init; }
    public ImmutableList<string> Items { get; init; } = [];

    /// <summary>A graph builder with Log appending, as most tests want.</summary>
    public static StateGraph<Flow> Graph() => new StateGraph<Flow>().AddReducer(s => s.Log, Reducers.Append<string>());

    /// <summary>A node that appends its own name to the log.</summary>
    public static Update<Flow> Visit(string name) => new Update<Flow>().Set(s => s.Log, [name]);
}
