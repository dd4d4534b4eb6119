using System.Net;
using Microsoft.Extensions.Time.Testing;
using static Corvid.Agents.Graph;

namespace Corvid.Agents.Tests.Engine;

/// <summary>
/// Retries and timeouts run on the run's TimeProvider. These tests use a virtual clock that moves only when
/// the test advances it, in answer to the engine's own events: no sleeping, no timing assertions.
/// </summary>
public class RetryAndTimeoutTests
{
    private static readonly HttpRequestException RateLimited = new("rate limited", null, HttpStatusCode.TooManyRequests);

    /// <summary>Streams a run, moving the virtual clock by each retry's delay (and by <paramref name="onStart"/> when a node starts).</summary>
    private static async Task<(RunResult<Flow>? Result, List<GraphEvent> Events)> Drive(CompiledGraph<Flow> graph, FakeTimeProvider clock,
        Func<NodeStarted, TimeSpan>? onStart = null)
    {
        var events = new List<GraphEvent>();
        RunResult<Flow>? result = null;
        await foreach (var e in graph.StreamAsync(new Flow(), new RunConfig { TimeProvider = clock, Random = new Random(7) }))
        {
            events.Add(e);
            switch (e)
            {
                case RetryScheduled retry: clock.Advance(retry.Delay); break;
                case NodeStarted started when onStart is not null: clock.Advance(onStart(started)); break;
                case RunFinished<Flow> finished: result = finished.Result; break;
            }
        }
        return (result, events);
    }

    [Fact]
    public async Task A_rate_limited_node_is_retried_with_exponential_backoff_and_jitter_on_the_virtual_clock()
    {
        var clock = new FakeTimeProvider();
        var start = clock.GetUtcNow();
        var attempts = 0;
        var graph = Flow.Graph()
            .AddNode("call", _ => ++attempts < 4 ? throw RateLimited : Flow.Visit($"ok after {attempts}"),
                retry: new RetryPolicy { MaxAttempts = 5, InitialInterval = TimeSpan.FromSeconds(1), BackoffFactor = 2, Jitter = 0.5 })
            .AddEdge(Start, "call")
            .Compile();

        var (result, events) = await Drive(graph, clock);

        Assert.Equal(["ok after 4"], result!.State.Log);
        var retries = events.OfType<RetryScheduled>().ToList();
        Assert.Equal([2, 3, 4], retries.Select(r => r.NextAttempt));
        double[] bases = [1, 2, 4];
        for (var i = 0; i < bases.Length; i++)
        {
            Assert.InRange(retries[i].Delay.TotalSeconds, bases[i], bases[i] * 1.5);
        }
        Assert.True(retries.Select(r => r.Delay).Distinct().Count() == 3);
        Assert.Equal(retries.Aggregate(TimeSpan.Zero, (sum, r) => sum + r.Delay), clock.GetUtcNow() - start);
        Assert.Equal(4, events.OfType<NodeStarted>().Count());
        Assert.All(retries, r => Assert.Same(RateLimited, r.Error));
    }

    [Fact]
    public async Task Jitter_off_gives_the_exact_doubling_capped_at_the_maximum()
    {
        var policy = new RetryPolicy { InitialInterval = TimeSpan.FromSeconds(1), BackoffFactor = 2, MaxInterval = TimeSpan.FromSeconds(5), Jitter = 0 };

        Assert.Equal([1, 2, 4, 5, 5], Enumerable.Range(2, 5).Select(n => policy.Delay(n, new Random(1)).TotalSeconds));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task A_failure_the_predicate_rejects_is_not_retried()
    {
        var attempts = 0;
        var graph = Flow.Graph()
            .AddNode("call", Update<Flow> (Flow _) => { attempts++; throw new InvalidOperationException("bad prompt"); },
                retry: new RetryPolicy { MaxAttempts = 5 })
            .AddEdge(Start, "call")
            .Compile();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => graph.InvokeAsync(new Flow()));

        Assert.Equal("bad prompt", error.Message);
        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task A_custom_predicate_decides_and_the_last_error_surfaces_when_attempts_run_out()
    {
        var clock = new FakeTimeProvider();
        var attempts = 0;
        var graph = Flow.Graph()
            .AddNode("call", Update<Flow> (Flow _) => throw new InvalidDataException($"garbled {++attempts}"),
                retry: new RetryPolicy { MaxAttempts = 3, RetryOn = e => e is InvalidDataException })
            .AddEdge(Start, "call")
            .Compile();

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Drive(graph, clock));

        Assert.Equal("garbled 3", error.Message);
        Assert.Equal(3, attempts);
    }

    [Fact]
    public void The_default_predicate_retries_429_and_5xx_but_not_400_or_a_refused_connection()
    {
        Assert.True(RetryPolicy.IsTransient(RateLimited));
        Assert.True(RetryPolicy.IsTransient(new HttpRequestException("x", null, HttpStatusCode.BadGateway)));
        Assert.True(RetryPolicy.IsTransient(new NodeTimeoutException("n", TimeSpan.FromSeconds(1))));
        Assert.False(RetryPolicy.IsTransient(new HttpRequestException("x", null, HttpStatusCode.BadRequest)));
        Assert.False(RetryPolicy.IsTransient(new HttpRequestException("Connection refused")));
    }

    [Fact]
    public async Task A_node_that_outlives_its_timeout_fails_with_the_node_and_the_timeout_named()
    {
        var clock = new FakeTimeProvider();
        var cancelled = false;
        var graph = Flow.Graph()
            .AddNode("slow", async (_, ctx) =>
                {
                    try { await Task.Delay(TimeSpan.FromHours(1), ctx.Time, ctx.CancellationToken); }
                    catch (OperationCanceledException) { cancelled = true; throw; }
                    return Flow.Visit("never");
                },
                timeout: TimeSpan.FromSeconds(30))
            .AddEdge(Start, "slow")
            .Compile();

        var error = await Assert.ThrowsAsync<NodeTimeoutException>(() => Drive(graph, clock, _ => TimeSpan.FromSeconds(30)));

        Assert.Equal("slow", error.Node);
        Assert.Contains("30 s", error.Message);
        Assert.True(cancelled, "the node's cancellation token was signalled");
    }

    [Fact]
    public async Task A_timed_out_attempt_is_retried_and_a_node_that_ignores_cancellation_cannot_hang_the_run()
    {
        var clock = new FakeTimeProvider();
        var graph = Flow.Graph()
            .AddNode("flaky", async (_, ctx) =>
                {
                    if (ctx.Attempt == 1) await new TaskCompletionSource().Task; // never completes, ignores the token
                    return Flow.Visit($"attempt {ctx.Attempt}");
                },
                timeout: TimeSpan.FromSeconds(10),
                retry: new RetryPolicy { MaxAttempts = 2, InitialInterval = TimeSpan.FromSeconds(3), Jitter = 0 })
            .AddEdge(Start, "flaky")
            .Compile();

        var (result, events) = await Drive(graph, clock, started => started.Attempt == 1 ? TimeSpan.FromSeconds(10) : TimeSpan.Zero);

        Assert.Equal(["attempt 2"], result!.State.Log);
        var retry = Assert.Single(events.OfType<RetryScheduled>());
        Assert.IsType<NodeTimeoutException>(retry.Error);
        Assert.Equal(TimeSpan.FromSeconds(3), retry.Delay);
    }
}
