using static Corvid.Agents.Graph;

namespace Corvid.Agents.Tests.Engine;

public class MermaidTests
{
    [Fact]
    public void The_diagram_draws_static_edges_solid_and_conditional_and_command_targets_dashed()
    {
        var graph = Flow.Graph()
            .AddNode("write", _ => Flow.Visit("w"))
            .AddNode("check", _ => Flow.Visit("c"))
            .AddNode("route", _ => new Command<Flow>(End), destinations: ["write", "publish", End])
            .AddNode("publish", _ => Flow.Visit("p"))
            .AddEdge(Start, "write")
            .AddEdge("write", "check")
            .AddConditionalEdges("check", _ => "route", ["route", End])
            .AddEdge("publish", End)
            .Compile(name: "review");

        Assert.Equal("""
            ---
            title: review
            ---
            flowchart TD
                __start__(["__start__"])
                write["write"]
                check["check"]
                route["route"]
                publish["publish"]
                __end__(["__end__"])
                __start__ --> write
                write --> check
                publish --> __end__
                check -.-> route
                check -.-> __end__
                route -.-> write
                route -.-> publish
                route -.-> __end__

            """.ReplaceLineEndings("\n"), graph.ToMermaid().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Node_names_that_are_not_identifiers_get_safe_ids_and_keep_their_labels()
    {
        var graph = Flow.Graph().AddNode("fact check", _ => Flow.Visit("x")).AddEdge(Start, "fact check").Compile();

        var mermaid = graph.ToMermaid();

        Assert.Contains("fact_check[\"fact check\"]", mermaid);
        Assert.Contains("__start__ --> fact_check", mermaid);
    }
}
