namespace Corvid.Agents;

/// <summary>
/// The two virtual nodes every graph has, named as LangGraph names them so checkpoints and diagrams
/// read the same: edges from <see cref="Start"/> choose the first nodes, edges to <see cref="End"/> stop a branch.
/// </summary>
public static class Graph
{
    public const string Start = "__start__";
    public const string End = "__end__";

    internal static bool IsReserved(string name) => name is Start or End;
}
