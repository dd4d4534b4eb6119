using System.ClientModel;
using Corvid.Agents.Debate;
using Corvid.Agents.Tests.Debate;
using Microsoft.Extensions.Time.Testing;

namespace Corvid.Agents.Tests.Llm;

/// <summary>The LLM roles over real HTTP on 127.0.0.1, through Microsoft.Extensions.AI.OpenAI, against a loopback server.</summary>
public class LlmDebateTests : IAsyncLifetime
{
    private FakeOpenAiServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeOpenAiServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static readonly DebateSettings Settings = new() { Provider = "openai", Model = "fake-gpt", Seed = 3 };

    /// <summary>Runs the debate with the virtual clock, moving it by each retry's wait as the engine announces it.</summary>
    private async Task<(RunResult<DebateState> Result, List<RetryScheduled> Retries)> RunAsync()
    {
        using var client = ChatClients.OpenAiCompatible(_server.Endpoint, "fake-gpt", apiKey: null);
        var graph = DebateWorkflow.Build(DebateTeams.Create(Settings, client));
        var clock = new FakeTimeProvider();
        var retries = new List<RetryScheduled>();
        RunResult<DebateState>? result = null;
        await foreach (var e in graph.StreamAsync(DebateWorkflow.InitialState(Settings),
                           new RunConfig { TimeProvider = clock, RecursionLimit = DebateWorkflow.RecursionLimit }))
        {
            if (e is RetryScheduled retry)
            {
                retries.Add(retry);
                clock.Advance(retry.Delay);
            }
            if (e is RunFinished<DebateState> finished) result = finished.Result;
        }
        return (result!, retries);
    }

    [Fact]
    public async Task A_debate_over_http_retries_429s_revises_with_the_checkers_reasons_and_keeps_the_verdict_and_usage()
    {
        _server.RateLimitNext(2);

        var (result, retries) = await RunAsync();
        var state = result.State;
        var calls = _server.Calls.ToList();

        // The two 429s were retried by the topic node on Deb8flow's backoff (1 s, then 2 s, plus jitter).
        Assert.Equal([429, 429, 200], calls.Take(3).Select(c => c.Status));
        Assert.Equal([DebateNodes.Topic, DebateNodes.Topic], retries.Select(r => r.Node));
        Assert.InRange(retries[0].Delay.TotalSeconds, 1, 1.25);
        Assert.InRange(retries[1].Delay.TotalSeconds, 2, 2.5);
        Assert.Equal("Should cities ban private cars from their centres?", state.Topic);

        // CON's rebuttal failed its check; the revision request carried the checker's justification.
        Assert.Equal(1, state.ConFailedChecks);
        var revision = Assert.Single(calls, c => c.Role == "con" && c.Prompt.Contains("flagged by the fact checker"));
        Assert.Contains(FakeOpenAiServer.CheckerObjection, revision.Prompt);
        Assert.Contains(FakeOpenAiServer.FlaggedClaim, revision.Prompt);
        Assert.Equal(4, state.Statements().Count(m => m.Validated));
        Assert.Contains(state.Statements(), m => m.Content.StartsWith("CON rebuttal, revised", StringComparison.Ordinal));
        Assert.True(calls.Where(c => c.Role is "pro" or "con").All(c => c.Streamed), "debaters stream their words");

        // The judge's structured verdict is kept in state.
        Assert.Equal("pro", state.Verdict!.Winner);
        Assert.Equal(["PRO answered every point.", "CON needed a revision."], state.Verdict.Reasons);

        // Token usage is summed per role and per node from what the server reported, never overwritten.
        foreach (var role in new[] { "pro", "con", "fact_checker", "judge", "topic" })
        {
            var served = calls.Where(c => c.Role == role && c.Status == 200).ToList();
            Assert.Equal(new TokenUsage(served.Sum(c => c.PromptTokens), served.Sum(c => c.CompletionTokens)), state.UsageByRole[role]);
        }
        Assert.Equal(state.UsageByRole["con"], state.UsageByNode[DebateNodes.Con]);
        Assert.Equal(3, calls.Count(c => c.Role == "con" && c.Status == 200));
    }

    [Fact]
    public async Task A_verdict_that_does_not_parse_is_asked_for_again_and_then_accepted()
    {
        _server.MalformJudgeNext(2);

        var (result, _) = await RunAsync();

        var judgeCalls = _server.Calls.Where(c => c.Role == "judge").ToList();
        Assert.Equal(3, judgeCalls.Count);
        Assert.Contains("could not be used", judgeCalls[2].Prompt);
        Assert.Equal("pro", result.State.Verdict!.Winner);
    }

    [Fact]
    public async Task A_verdict_that_never_parses_fails_clearly_after_a_bounded_number_of_tries()
    {
        _server.MalformJudgeNext(100);

        var error = await Assert.ThrowsAsync<LlmOutputException>(RunAsync);

        Assert.Contains("judge", error.Message);
        Assert.Contains("after 3 tries", error.Message);
        Assert.Contains("PRO won, I would say", error.Message);
        Assert.Equal(3, _server.Calls.Count(c => c.Role == "judge"));
    }

    [Fact]
    public async Task Rate_limits_that_do_not_end_fail_after_five_attempts_with_the_status()
    {
        _server.RateLimitNext(1000);

        var error = await Assert.ThrowsAsync<ClientResultException>(RunAsync);

        Assert.Equal(429, error.Status);
        Assert.Equal(5, _server.Calls.Count);
    }
}
