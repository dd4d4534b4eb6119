using System.ClientModel;
using System.Net;

namespace Corvid.Agents;

/// <summary>
/// How a node is retried when it throws (LangGraph's <c>RetryPolicy</c>): up to <see cref="MaxAttempts"/> runs,
/// waiting <see cref="InitialInterval"/> × <see cref="BackoffFactor"/>^(attempt-1), capped at <see cref="MaxInterval"/>,
/// plus up to <see cref="Jitter"/> of that at random. The waits run on the run's <see cref="TimeProvider"/>, so tests
/// use a virtual clock.
/// </summary>
public sealed record RetryPolicy
{
    public int MaxAttempts { get; init; } = 3;
    public TimeSpan InitialInterval { get; init; } = TimeSpan.FromSeconds(0.5);
    public double BackoffFactor { get; init; } = 2.0;
    public TimeSpan MaxInterval { get; init; } = TimeSpan.FromSeconds(128);

    /// <summary>Largest random addition, as a fraction of the wait (0 turns jitter off).</summary>
    public double Jitter { get; init; } = 0.25;

    /// <summary>Which failures are worth another attempt; the default is <see cref="IsTransient"/>.</summary>
    public Func<Exception, bool> RetryOn { get; init; } = IsTransient;

    /// <summary>Deb8flow's policy for LLM calls: 5 attempts, 1 s doubling, on rate limits and server errors.</summary>
    public static RetryPolicy ForLlmCalls { get; } = new() { MaxAttempts = 5, InitialInterval = TimeSpan.FromSeconds(1) };

    /// <summary>The wait before attempt <paramref name="nextAttempt"/> (2 or more), without jitter.</summary>
    public TimeSpan BaseDelay(int nextAttempt)
    {
        var seconds = InitialInterval.TotalSeconds * Math.Pow(BackoffFactor, nextAttempt - 2);
        return TimeSpan.FromSeconds(Math.Min(seconds, MaxInterval.TotalSeconds));
    }

    public TimeSpan Delay(int nextAttempt, Random random) =>
        BaseDelay(nextAttempt) * (1 + Jitter * random.NextDouble());

    /// <summary>
    /// HTTP 429 and 5xx (from <see cref="HttpClient"/> or the OpenAI SDK's <see cref="ClientResultException"/>)
    /// and timeouts. Not a refused connection or a bad request: another attempt would fail the same way.
    /// </summary>
    public static bool IsTransient(Exception error) => error switch
    {
        HttpRequestException { StatusCode: { } status } => IsTransientStatus((int)status),
        ClientResultException { Status: > 0 } result => IsTransientStatus(result.Status),
        TimeoutException => true,
        _ => false,
    };

    private static bool IsTransientStatus(int status) => status == (int)HttpStatusCode.TooManyRequests || status >= 500;
}
