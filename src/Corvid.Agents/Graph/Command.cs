namespace Corvid.Agents;

/// <summary>
/// An update that also says where to go next, as LangGraph's <c>Command(update=..., goto=...)</c>.
/// The targets are followed in addition to the node's edges. A node that returns commands must declare
/// every target it may take (<c>AddNode(..., destinations: [...])</c>) so the drawn graph shows them.
/// </summary>
/// <example><c>return new Command&lt;Debate&gt;("judge").Set(s =&gt; s.Stage, "verdict");</c></example>
public sealed class Command<TState> : Update<TState> where TState : class
{
    public Command(params string[] @goto)
    {
        Goto = @goto;
        Sends = [];
    }

    public Command(IEnumerable<Send<TState>> sends)
    {
        Goto = [];
        Sends = sends.ToList();
    }

    /// <summary>Nodes to run in the next step (<see cref="Graph.End"/> ends this branch).</summary>
    public IReadOnlyList<string> Goto { get; }

    /// <summary>Per-item runs for the next step, each with its own input.</summary>
    public IReadOnlyList<Send<TState>> Sends { get; }

    public new Command<TState> Set<TValue>(System.Linq.Expressions.Expression<Func<TState, TValue>> field, TValue value)
    {
        base.Set(field, value);
        return this;
    }
}
