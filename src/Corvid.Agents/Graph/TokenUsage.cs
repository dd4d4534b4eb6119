namespace Corvid.Agents;

/// <summary>Tokens an LLM read and wrote; adds up across calls, nodes and debaters.</summary>
public readonly record struct TokenUsage(long InputTokens, long OutputTokens)
{
    public long TotalTokens => InputTokens + OutputTokens;

    public static TokenUsage operator +(TokenUsage a, TokenUsage b) =>
        new(a.InputTokens + b.InputTokens, a.OutputTokens + b.OutputTokens);

    public override string ToString() => $"{InputTokens} in + {OutputTokens} out";
}
