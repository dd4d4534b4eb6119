using static Corvid.Agents.Graph;

namespace Corvid.Agents.Tests.Engine;

public class ReducerTests
{
    [Fact]
    public async Task Parallel_writes_to_a_field_with_a_reducer_are_combined_in_edge_order()
    {
        var graph = Flow.Graph()
            .AddReducer(s => s.Count, Reducers.Sum())
            .AddNode("left", _ => Flow.Visit("left").Set(s => s.Count, 2))
            .AddNode("right", _ => Flow.Visit("right").Set(s => s.Count, 5))
            .AddEdge(Start, "left").AddEdge(Start, "right")
            .Compile();

        var result = await graph.InvokeAsync(new Flow { Count = 1 });

        Assert.Equal(["left", "right"], result.State.Log);
        Assert.Equal(8, result.State.Count);
        Assert.Equal(1, result.Step);
    }

    [Fact]
    public async Task Two_parallel_writes_to_a_last_value_field_fail_naming_the_field_and_both_nodes()
    {
        var graph = Flow.Graph()
            .AddNode("left", _ => new Update<Flow>().Set(s => s.Route, "l"))
            .AddNode("right", _ => new Update<Flow>().Set(s => s.Route, "r"))
            .AddEdge(Start, "left").AddEdge(Start, "right")
            .Compile();

        var error = await Assert.ThrowsAsync<InvalidUpdateException>(() => graph.InvokeAsync(new Flow()));

        Assert.Contains("'Route'", error.Message);
        Assert.Contains("'left'", error.Message);
        Assert.Contains("'right'", error.Message);
        Assert.Contains("AddReducer", error.Message);
    }

    [Fact]
    public async Task Without_a_reducer_the_last_write_of_a_single_writer_wins()
    {
        var graph = Flow.Graph()
            .AddNode("a", _ => new Update<Flow>().Set(s => s.Route, "first").Set(s => s.Route, "second"))
            .AddEdge(Start, "a")
            .Compile();

        var result = await graph.InvokeAsync(new Flow { Route = "initial" });

        Assert.Equal("second", result.State.Route);
    }

    [Fact]
    public void A_reducer_for_a_field_the_state_lacks_is_a_definition_error()
    {
        var error = Assert.Throws<ArgumentException>(() => new StateGraph<Flow>().AddReducer(s => s.Count + 1, Reducers.Sum()));
        Assert.Contains("does not name a property", error.Message);
    }
}
