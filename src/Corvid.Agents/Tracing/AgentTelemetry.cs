using System.Diagnostics;

namespace Corvid.Agents;

/// <summary>
/// The <see cref="ActivitySource"/> every span of Corvid.Agents comes from: one per graph run, one per node
/// attempt, one per LLM call. Subscribe with OpenTelemetry's <c>AddSource(AgentTelemetry.SourceName)</c>.
/// </summary>
public static class AgentTelemetry
{
    public const string SourceName = "Corvid.Agents";

    public static ActivitySource Source { get; } = new(SourceName, typeof(AgentTelemetry).Assembly.GetName().Version?.ToString(3));

    // Attribute names: graph ones under corvid.*, LLM ones from the OpenTelemetry GenAI conventions.
    public const string GraphName = "corvid.graph.name";
    public const string ThreadId = "corvid.thread.id";
    public const string RunId = "corvid.run.id";
    public const string NodeName = "corvid.node.name";
    public const string Step = "corvid.step";
    public const string Attempt = "corvid.attempt";
    public const string TaskId = "corvid.task.id";
    public const string Outcome = "corvid.outcome";
    public const string InputTokens = "gen_ai.usage.input_tokens";
    public const string OutputTokens = "gen_ai.usage.output_tokens";
    public const string OperationName = "gen_ai.operation.name";
    public const string RequestModel = "gen_ai.request.model";
    public const string ResponseModel = "gen_ai.response.model";
}
