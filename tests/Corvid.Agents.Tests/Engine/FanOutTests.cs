using System.Collections.Immutable;
using static Corvid.Agents.Graph;

namespace Corvid.Agents.Tests.Engine;

public class FanOutTests
{
    [Fact]
    public async Task Static_fan_out_runs_branches_in_one_step_and_joins_once()
    {
        var graph = Flow.Graph()
            .AddNode("split", _ => Flow.Visit("split"))
            .AddNode("x", _ => Flow.Visit("x"))
            .AddNode("y", _ => Flow.Visit("y"))
            .AddNode("join", s => Flow.Visit($"join after {s.Log.Count}"))
            .AddEdge(Start, "split")
            .AddEdge("split", "x").AddEdge("split", "y")
            .AddEdge("x", "join").AddEdge("y", "join")
            .Compile();

        var result = await graph.InvokeAsync(new Flow());

        Assert.Equal(["split", "x", "y", "join after 3"], result.State.Log);
        Assert.Equal(3, result.Step);
    }

    [Fact]
    public async Task Branches_of_one_step_run_concurrently()
    {
        // Each branch waits for the other to start: this only finishes if both run at the same time.
        var leftStarted = new TaskCompletionSource();
        var rightStarted = new TaskCompletionSource();
        var graph = Flow.Graph()
            .AddNode("left", async _ => { leftStarted.SetResult(); await rightStarted.Task; return Flow.Visit("left"); })
            .AddNode("right", async _ => { rightStarted.SetResult(); await leftStarted.Task; return Flow.Visit("right"); })
            .AddEdge(Start, "left").AddEdge(Start, "right")
            .Compile();

        var result = await graph.InvokeAsync(new Flow()).WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(["left", "right"], result.State.Log);
    }

    [Fact]
    public async Task Send_maps_a_node_over_items_with_private_inputs_and_reduces_the_results()
    {
        var graph = Flow.Graph()
            .AddNode("plan", _ => new Update<Flow>().Set(s => s.Items, ["ant", "bee", "cat"]))
            .AddNode("shout", s => Flow.Visit(s.Item!.ToUpperInvariant()).Set(f => f.Count, 1))
            .AddNode("report", s => Flow.Visit($"{s.Log.Count} shouted"))
            .AddReducer(s => s.Count, Reducers.Sum())
            .AddEdge(Start, "plan")
            .AddConditionalEdges("plan", s => s.Items.Select(item => Send.To("shout", s with { Item = item })), ["shout"])
            .AddEdge("shout", "report")
            .Compile();

        var result = await graph.InvokeAsync(new Flow());

        Assert.Equal(["ANT", "BEE", "CAT", "3 shouted"], result.State.Log);
        Assert.Equal(3, result.State.Count);
        Assert.Null(result.State.Item); // the private inputs never became the shared state
    }

    [Fact]
    public async Task A_command_can_send_per_item_too()
    {
        var graph = Flow.Graph()
            .AddNode("plan", s => new Command<Flow>(new[] { 1, 2 }.Select(n => Send.To("work", s with { Count = n }))), destinations: ["work"])
            .AddNode("work", s => Flow.Visit($"work {s.Count}"))
            .AddEdge(Start, "plan")
            .Compile();

        var result = await graph.InvokeAsync(new Flow());

        Assert.Equal(["work 1", "work 2"], result.State.Log);
    }

    [Fact]
    public async Task Several_targets_from_one_conditional_edge_run_in_parallel()
    {
        var graph = Flow.Graph()
            .AddNode("pick", _ => new Update<Flow>())
            .AddNode("a", _ => Flow.Visit("a"))
            .AddNode("b", _ => Flow.Visit("b"))
            .AddNode("c", _ => Flow.Visit("c"))
            .AddEdge(Start, "pick")
            .AddConditionalEdges("pick", _ => (IEnumerable<string>)ImmutableList.Create("c", "a"), ["a", "b", "c"])
            .Compile();

        var result = await graph.InvokeAsync(new Flow());

        Assert.Equal(["c", "a"], result.State.Log);
        Assert.Equal(2, result.Step);
    }
}
