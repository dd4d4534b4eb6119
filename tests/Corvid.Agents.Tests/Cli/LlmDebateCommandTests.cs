using Corvid.Agents.Debate;
using Corvid.Agents.Tests.Llm;

namespace Corvid.Agents.Tests.Cli;

/// <summary><c>corvid debate --provider openai</c> as a user runs it, against the loopback OpenAI-compatible server.</summary>
public class LlmDebateCommandTests : IAsyncLifetime, IDisposable
{
    private readonly TempFolder _folder = new();
    private FakeOpenAiServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeOpenAiServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void The_command_debates_over_http_retries_a_429_and_records_tokens_in_transcript_and_trace()
    {
        _server.RateLimitNext(1); // one real backoff wait of about a second
        var transcript = _folder.File("llm.json");
        var trace = _folder.File("llm-trace.json");

        var result = Corvid.Run("debate", "--provider", "openai", "--endpoint", _server.Endpoint.ToString(), "--model", "fake-gpt",
            "--transcript", transcript, "--trace", trace);

        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Contains("generate_topic: HTTP 429", result.StdOut.Replace("\n", " "));
        Assert.Contains("WINNER: PRO", result.StdOut);
        var debate = DebateTranscript.Read(transcript);
        Assert.Equal("openai", debate.Settings.Provider);
        Assert.Equal("Should cities ban private cars from their centres?", debate.Topic);
        var served = _server.Calls.Where(c => c.Status == 200).ToList();
        Assert.Equal(served.Sum(c => c.PromptTokens + c.CompletionTokens), debate.TokenUsage.Total.TotalTokens);
        Assert.Equal(["PRO answered every point.", "CON needed a revision."], debate.Verdict!.Reasons);

        var spans = TraceFile.Read(trace);
        var calls = spans.Where(s => s.Name == "chat fake-gpt").ToList();
        Assert.Equal(served.Count, calls.Count(c => !c.IsError));
        Assert.All(calls.Where(c => !c.IsError), c => Assert.True(c.LongAttribute(AgentTelemetry.InputTokens) > 0));
        var judge = spans.Single(s => s.Name == "node judge");
        Assert.Equal(calls.Single(c => c.ParentSpanId == judge.SpanId).LongAttribute(AgentTelemetry.OutputTokens),
            judge.LongAttribute(AgentTelemetry.OutputTokens));
    }
}
