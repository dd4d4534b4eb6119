using static Corvid.Agents.Graph;

namespace Corvid.Agents.Tests.Engine;

public class RecursionLimitTests
{
    private static CompiledGraph<Flow> PingPong() => Flow.Graph()
        .AddNode("ping", s => Flow.Visit("ping").Set(f => f.Count, s.Count + 1))
        .AddNode("pong", _ => Flow.Visit("pong"))
        .AddEdge(Start, "ping").AddEdge("ping", "pong")
        .AddConditionalEdges("pong", s => s.Count < 100 ? "ping" : End, ["ping", End])
        .Compile();

    [Fact]
    public async Task A_loop_that_does_not_stop_hits_the_limit_with_the_last_nodes_named()
    {
        var error = await Assert.ThrowsAsync<GraphRecursionException>(() =>
            PingPong().InvokeAsync(new Flow(), new RunConfig { RecursionLimit = 7 }));

        Assert.Equal(7, error.Limit);
        Assert.Contains("Recursion limit of 7", error.Message);
        Assert.Contains("ping → pong → ping", error.Message);
        // Seven steps: ping, pong, ping, pong, ping, pong, ping — and pong still waiting to run.
        Assert.Equal(["pong", "ping"], error.LastNodes.TakeLast(2));
    }

    [Fact]
    public async Task A_run_that_needs_exactly_the_limit_finishes()
    {
        var graph = Flow.Graph()
            .AddNode("a", _ => Flow.Visit("a")).AddNode("b", _ => Flow.Visit("b"))
            .AddEdge(Start, "a").AddEdge("a", "b")
            .Compile();

        var result = await graph.InvokeAsync(new Flow(), new RunConfig { RecursionLimit = 2 });
        Assert.Equal(["a", "b"], result.State.Log);

        await Assert.ThrowsAsync<GraphRecursionException>(() => graph.InvokeAsync(new Flow(), new RunConfig { RecursionLimit = 1 }));
    }
}
