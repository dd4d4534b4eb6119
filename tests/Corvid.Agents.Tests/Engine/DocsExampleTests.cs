using System.Collections.Immutable;
using static Corvid.Agents.Graph;

namespace Corvid.Agents.Tests.Engine;

/// <summary>The example of docs/agents.md, as written there, so the guide cannot drift from what runs.</summary>
public class DocsExampleTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public sealed record Draft
    {
        public string Topic { get; init; } = "";
        public ImmutableList<string> Log { get; init; } = [];
        public int Attempts { get; init; }
        public bool Approved { get; init; }
    }

    [Fact]
    public async Task The_guide_example_runs_and_prints_what_the_guide_says()
    {
        var graph = new StateGraph<Draft>()
            .AddReducer(s => s.Log, Reducers.Append<string>())
            .AddNode("write", async (s, ctx) =>
            {
                await Task.Delay(TimeSpan.FromMilliseconds(10), ctx.Time, ctx.CancellationToken);
                return new Update<Draft>().Set(d => d.Attempts, s.Attempts + 1)
                                          .Set(d => d.Log, [$"draft {s.Attempts + 1} on {s.Topic}"]);
            },
            retry: new RetryPolicy { MaxAttempts = 5 },
            timeout: TimeSpan.FromSeconds(30))
            .AddNode("review", s => new Update<Draft>().Set(d => d.Approved, s.Attempts >= 2))
            .AddNode("decide", s => s.Approved || s.Attempts >= 3
                    ? new Command<Draft>(End).Set(d => d.Log, ["published"])
                    : new Command<Draft>("write"),
                destinations: ["write", End])
            .AddEdge(Start, "write")
            .AddEdge("write", "review")
            .AddEdge("review", "decide")
            .Compile(new SqliteCheckpointSaver(_folder.File("drafts.db")), name: "drafts");

        var result = await graph.InvokeAsync(new Draft { Topic = "otters" }, RunConfig.ForThread("otters-1"));

        Assert.Equal("draft 1 on otters\ndraft 2 on otters\npublished", string.Join("\n", result.State.Log));
    }
}
