using static Corvid.Agents.Graph;

namespace Corvid.Agents.Tests.Engine;

public class RoutingTests
{
    [Fact]
    public async Task Static_edges_run_nodes_in_order_from_start_to_end()
    {
        var graph = Flow.Graph()
            .AddNode("a", _ => Flow.Visit("a"))
            .AddNode("b", _ => Flow.Visit("b"))
            .AddNode("c", _ => Flow.Visit("c"))
            .AddEdge(Start, "a").AddEdge("a", "b").AddEdge("b", "c").AddEdge("c", End)
            .Compile();

        var result = await graph.InvokeAsync(new Flow());

        Assert.Equal(["a", "b", "c"], result.State.Log);
        Assert.Equal(3, result.Step);
        Assert.False(result.IsInterrupted);
    }

    [Fact]
    public async Task A_node_sees_the_state_written_by_the_step_before()
    {
        var graph = Flow.Graph()
            .AddNode("count", s => new Update<Flow>().Set(f => f.Count, s.Count + 10))
            .AddNode("read", s => Flow.Visit($"saw {s.Count}"))
            .AddEdge(Start, "count").AddEdge("count", "read")
            .Compile();

        var result = await graph.InvokeAsync(new Flow { Count = 1 });

        Assert.Equal(["saw 11"], result.State.Log);
        Assert.Equal(11, result.State.Count);
    }

    [Fact]
    public async Task Conditional_edges_route_on_the_new_state()
    {
        var graph = Flow.Graph()
            .AddNode("decide", s => new Update<Flow>().Set(f => f.Route, s.Count > 5 ? "big" : "small"))
            .AddNode("big", _ => Flow.Visit("big"))
            .AddNode("small", _ => Flow.Visit("small"))
            .AddEdge(Start, "decide")
            .AddConditionalEdges("decide", s => s.Route!, ["big", "small"])
            .Compile();

        Assert.Equal(["big"], (await graph.InvokeAsync(new Flow { Count = 9 })).State.Log);
        Assert.Equal(["small"], (await graph.InvokeAsync(new Flow { Count = 2 })).State.Log);
    }

    [Fact]
    public async Task A_command_updates_and_goes_to_its_target_in_a_loop_until_end()
    {
        var graph = Flow.Graph()
            .AddNode("loop", s => s.Count < 3
                    ? new Command<Flow>("loop").Set(f => f.Count, s.Count + 1).Set(f => f.Log, [$"turn {s.Count}"])
                    : new Command<Flow>(End).Set(f => f.Log, ["done"]),
                destinations: ["loop", End])
            .AddEdge(Start, "loop")
            .Compile();

        var result = await graph.InvokeAsync(new Flow());

        Assert.Equal(["turn 0", "turn 1", "turn 2", "done"], result.State.Log);
        Assert.Equal(3, result.State.Count);
    }

    [Fact]
    public async Task A_command_to_an_undeclared_destination_is_refused_with_both_names()
    {
        var graph = Flow.Graph()
            .AddNode("router", _ => new Command<Flow>("b"), destinations: ["a"])
            .AddNode("a", _ => Flow.Visit("a"))
            .AddNode("b", _ => Flow.Visit("b"))
            .AddEdge(Start, "router")
            .Compile();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => graph.InvokeAsync(new Flow()));

        Assert.Contains("'router'", error.Message);
        Assert.Contains("'b'", error.Message);
    }

    [Fact]
    public void Edges_to_unknown_nodes_and_a_missing_entry_point_are_definition_errors()
    {
        var unknown = Assert.Throws<GraphDefinitionException>(() =>
            Flow.Graph().AddNode("a", _ => Flow.Visit("a")).AddEdge(Start, "a").AddEdge("a", "nowhere").Compile());
        Assert.Contains("'nowhere'", unknown.Message);

        var noEntry = Assert.Throws<GraphDefinitionException>(() => Flow.Graph().AddNode("a", _ => Flow.Visit("a")).Compile());
        Assert.Contains("entry point", noEntry.Message);

        Assert.Throws<GraphDefinitionException>(() => Flow.Graph().AddNode(End, _ => Flow.Visit("x")));
    }

    [Fact]
    public async Task Writing_a_field_the_state_does_not_have_names_it()
    {
        var graph = Flow.Graph()
            .AddNode("a", _ => new Update<Flow>().Set("Colour", "red"))
            .AddEdge(Start, "a")
            .Compile();

        var error = await Assert.ThrowsAsync<InvalidUpdateException>(() => graph.InvokeAsync(new Flow()));

        Assert.Contains("'Colour'", error.Message);
    }
}
