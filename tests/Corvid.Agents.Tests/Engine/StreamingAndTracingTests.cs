using Microsoft.Extensions.AI;
using static Corvid.Agents.Graph;

namespace Corvid.Agents.Tests.Engine;

public class StreamingAndTracingTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>ask (one streamed LLM call, one plain call) → done.</summary>
    private static CompiledGraph<Flow> Chat(string name)
    {
        IChatClient llm = new TracedChatClient(new ScriptedChatClient("the answer is 42", inputTokens: 11, outputTokens: 4));
        return Flow.Graph()
            .AddNode("ask", async (_, ctx) =>
            {
                var streamed = await llm.GetStreamingResponseAsync("question?", cancellationToken: ctx.CancellationToken).ToChatResponseAsync();
                var plain = await llm.GetResponseAsync("again?", cancellationToken: ctx.CancellationToken);
                ctx.Emit($"used {ctx.Usage.TotalTokens}");
                return Flow.Visit(streamed.Text.Trim()).Set(s => s.Count, (int)ctx.Usage.TotalTokens);
            })
            .AddNode("done", _ => Flow.Visit("done"))
            .AddEdge(Start, "ask").AddEdge("ask", "done")
            .Compile(name: name);
    }

    [Fact]
    public async Task The_stream_reports_nodes_tokens_usage_and_state_in_order()
    {
        var events = new List<GraphEvent>();
        await foreach (var e in Chat("stream-test").StreamAsync(new Flow())) events.Add(e);

        var summary = events.Select(e => e switch
        {
            NodeStarted s => $"start {s.Node}",
            LlmToken t => $"token {t.Text.Trim()}",
            LlmCallFinished c => $"llm {c.Usage.TotalTokens}",
            CustomEvent c => $"custom {c.Payload}",
            NodeFinished f => $"finish {f.Node} {f.Usage.TotalTokens} [{string.Join(",", f.Fields)}]",
            StepCompleted<Flow> s => $"step {s.Step} {string.Join("|", s.State.Log)}",
            RunFinished<Flow> r => $"end {r.Step}",
            _ => e.GetType().Name,
        }).ToList();

        Assert.Equal([
            "start ask", "token the", "token answer", "token is", "token 42", "llm 15", "llm 15", "custom used 30",
            "finish ask 30 [Log,Count]", "step 1 the answer is 42",
            "start done", "finish done 0 [Log]", "step 2 the answer is 42|done",
            "end 2",
        ], summary);
    }

    [Fact]
    public async Task Spans_nest_graph_node_and_llm_call_with_token_usage_and_survive_the_trace_file()
    {
        using var recorder = TraceRecorder.Start();
        var result = await Chat("trace-test").InvokeAsync(new Flow());
        var path = _folder.File("trace.json");
        recorder.Save(path);

        var graphSpan = recorder.Spans.Single(s => s.Name == "graph trace-test");
        var spans = recorder.Spans.Where(s => s.TraceId == graphSpan.TraceId).ToList();
        var ask = spans.Single(s => s.Name == "node ask");
        var done = spans.Single(s => s.Name == "node done");
        var calls = spans.Where(s => s.Name == "chat scripted-1").ToList();

        Assert.Null(graphSpan.ParentSpanId);
        Assert.Equal(graphSpan.SpanId, ask.ParentSpanId);
        Assert.Equal(graphSpan.SpanId, done.ParentSpanId);
        Assert.Equal(2, calls.Count);
        Assert.All(calls, c => Assert.Equal(ask.SpanId, c.ParentSpanId));
        Assert.All(calls, c => Assert.Equal(11, c.LongAttribute(AgentTelemetry.InputTokens)));
        Assert.All(calls, c => Assert.Equal("client", c.Kind));
        Assert.Equal(22, ask.LongAttribute(AgentTelemetry.InputTokens));
        Assert.Equal(8, ask.LongAttribute(AgentTelemetry.OutputTokens));
        Assert.Equal(1L, ask.LongAttribute(AgentTelemetry.Step));
        Assert.Equal(30, result.State.Count);

        var reread = TraceFile.Read(path).Where(s => s.TraceId == graphSpan.TraceId).ToList();
        Assert.Equal(spans.Select(s => (s.Name, s.SpanId, s.ParentSpanId)).OrderBy(s => s.SpanId), reread.Select(s => (s.Name, s.SpanId, s.ParentSpanId)).OrderBy(s => s.SpanId));
        Assert.Equal(22, reread.Single(s => s.Name == "node ask").LongAttribute(AgentTelemetry.InputTokens));
        Assert.Equal(ask.Start, reread.Single(s => s.Name == "node ask").Start);
    }

    [Fact]
    public async Task A_failing_node_span_is_marked_as_an_error_with_each_attempt_a_span()
    {
        using var recorder = TraceRecorder.Start();
        var graph = Flow.Graph()
            .AddNode("boom", Update<Flow> (Flow _) => throw new TimeoutException("upstream slow"),
                retry: new RetryPolicy { MaxAttempts = 2, InitialInterval = TimeSpan.FromMilliseconds(1) })
            .AddEdge(Start, "boom")
            .Compile(name: "error-test");

        await Assert.ThrowsAsync<TimeoutException>(() => graph.InvokeAsync(new Flow()));

        var graphSpan = recorder.Spans.Single(s => s.Name == "graph error-test");
        var attempts = recorder.Spans.Where(s => s.TraceId == graphSpan.TraceId && s.Name == "node boom").ToList();
        Assert.Equal([1L, 2L], attempts.Select(a => a.LongAttribute(AgentTelemetry.Attempt)!.Value).Order());
        Assert.All(attempts, a => Assert.True(a.IsError));
        Assert.Equal("upstream slow", attempts[0].StatusMessage);
        Assert.True(graphSpan.IsError);
    }

    [Fact]
    public void A_trace_file_that_is_not_otlp_json_is_refused_with_its_name()
    {
        var path = _folder.File("bad.json");
        File.WriteAllText(path, "{\"spans\": 3}");

        var error = Assert.Throws<InvalidDataException>(() => TraceFile.Read(path));

        Assert.Contains(path, error.Message);
    }
}

public class StreamStopTests
{
    [Fact]
    public async Task A_consumer_that_stops_reading_cancels_the_nodes_still_running()
    {
        var cancelled = new TaskCompletionSource();
        var graph = Flow.Graph()
            .AddNode("slow", async (_, ctx) =>
            {
                ctx.Emit("started");
                try { await Task.Delay(Timeout.Infinite, ctx.CancellationToken); }
                catch (OperationCanceledException) { cancelled.SetResult(); throw; }
                return Flow.Visit("never");
            })
            .AddEdge(Graph.Start, "slow")
            .Compile();

        await foreach (var e in graph.StreamAsync(new Flow()))
        {
            if (e is CustomEvent) break;
        }

        await cancelled.Task.WaitAsync(TimeSpan.FromMinutes(1));
    }
}
