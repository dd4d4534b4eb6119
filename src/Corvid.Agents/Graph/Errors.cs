namespace Corvid.Agents;

/// <summary>The graph was built wrong: an edge to an unknown node, a missing entry point, a reducer for no field.</summary>
public sealed class GraphDefinitionException(string message) : Exception(message);

/// <summary>An update could not be applied: two writers of a field without a reducer, or an unknown field.</summary>
public sealed class InvalidUpdateException(string message) : Exception(message);

/// <summary>The run took as many steps as its recursion limit allows and still had nodes to run.</summary>
public sealed class GraphRecursionException(int limit, IReadOnlyList<string> lastNodes)
    : Exception($"Recursion limit of {limit} steps reached without hitting a stop condition; the last nodes visited were "
        + $"{string.Join(" → ", lastNodes)}. Raise RunConfig.RecursionLimit if the graph needs more steps, or check the loop between these nodes.")
{
    public int Limit => limit;
    public IReadOnlyList<string> LastNodes => lastNodes;
}

/// <summary>A node ran longer than its timeout.</summary>
public sealed class NodeTimeoutException(string node, TimeSpan timeout)
    : TimeoutException($"node '{node}' did not finish within its timeout of {timeout.TotalSeconds:0.###} s")
{
    public string Node => node;
    public TimeSpan Timeout => timeout;
}

/// <summary>A thread id has no checkpoint in the store.</summary>
public sealed class ThreadNotFoundException(string threadId)
    : Exception($"no checkpoint for thread '{threadId}' in the checkpoint store")
{
    public string ThreadId => threadId;
}

/// <summary>Thrown inside a node by <see cref="NodeContext.Interrupt{T}"/> to pause the thread; the engine catches it.</summary>
internal sealed class GraphInterruptSignal(int index, object? value) : Exception("graph interrupted for input")
{
    public int Index => index;
    public object? Value => value;
}
