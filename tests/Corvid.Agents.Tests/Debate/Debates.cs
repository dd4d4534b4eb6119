using Corvid.Agents.Debate;

namespace Corvid.Agents.Tests.Debate;

/// <summary>Runs offline debates in this process, as the CLI does.</summary>
internal static class Debates
{
    public static async Task<RunResult<DebateState>> RunAsync(DebateSettings settings, ICheckpointSaver? store = null, string thread = "t")
    {
        var graph = DebateWorkflow.Build(DebateTeams.Create(settings), store);
        return await graph.InvokeAsync(DebateWorkflow.InitialState(settings),
            new RunConfig { ThreadId = store is null ? null : thread, RecursionLimit = DebateWorkflow.RecursionLimit });
    }

    public static IEnumerable<DebateMessage> Statements(this DebateState state) => state.Messages.Where(m => Sides.IsSide(m.Speaker));

    public static IEnumerable<DebateMessage> Checks(this DebateState state) => state.Messages.Where(m => m.Speaker == Speakers.FactChecker);
}
