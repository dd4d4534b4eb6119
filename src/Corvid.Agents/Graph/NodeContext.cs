using System.Text.Json;

namespace Corvid.Agents;

/// <summary>
/// What a running node can use besides its state: cancellation, the run's clock, interrupts for a human in
/// the loop, and reporting (custom events, LLM tokens and usage). <see cref="Current"/> finds it from code the
/// node calls, such as <see cref="TracedChatClient"/>.
/// </summary>
public sealed class NodeContext
{
    private static readonly AsyncLocal<NodeContext?> Ambient = new();

    private readonly Action<GraphEvent> _emit;
    private readonly IReadOnlyList<JsonElement> _resumeValues;
    private readonly JsonSerializerOptions _json;
    private int _interruptIndex;
    private TokenUsage _usage;

    internal NodeContext(string node, string taskId, int step, int attempt, string? threadId, TimeProvider time,
        IReadOnlyList<JsonElement> resumeValues, JsonSerializerOptions json, Action<GraphEvent> emit, CancellationToken cancellation)
    {
        Node = node;
        TaskId = taskId;
        Step = step;
        Attempt = attempt;
        ThreadId = threadId;
        Time = time;
        _resumeValues = resumeValues;
        _json = json;
        _emit = emit;
        CancellationToken = cancellation;
    }

    /// <summary>The context of the node running on this async flow, if any.</summary>
    public static NodeContext? Current => Ambient.Value;

    public string Node { get; }
    public string TaskId { get; }
    public int Step { get; }

    /// <summary>1 on the first run, 2 on the first retry, and so on.</summary>
    public int Attempt { get; }

    public string? ThreadId { get; }

    /// <summary>The run's clock: wait on it (<c>Task.Delay(t, ctx.Time, ct)</c>) so tests can use a virtual one.</summary>
    public TimeProvider Time { get; }

    /// <summary>Signalled when the run is cancelled or the node's timeout passes.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>LLM tokens used by this run of the node so far (calls through <see cref="TracedChatClient"/>).</summary>
    public TokenUsage Usage => _usage;

    /// <summary>
    /// Pauses the thread until input arrives (LangGraph's <c>interrupt(value)</c>): the run stops and reports
    /// <paramref name="value"/>; when it is resumed with <see cref="Resume.With"/>, the node runs again from its
    /// start and this call returns the given input. Several calls in one node are matched by their order.
    /// </summary>
    public T Interrupt<T>(object? value)
    {
        var index = _interruptIndex++;
        if (index < _resumeValues.Count)
        {
            return _resumeValues[index].Deserialize<T>(_json)!;
        }
        throw new GraphInterruptSignal(index, value);
    }

    /// <summary>Reports a custom event to whoever streams the run.</summary>
    public void Emit(object payload) => _emit(new CustomEvent(Step, Node, payload));

    /// <summary>Reports streamed LLM text.</summary>
    public void ReportToken(string text) => _emit(new LlmToken(Step, Node, text));

    /// <summary>Adds the usage of one LLM call to this node's total.</summary>
    public void ReportLlmCall(string? model, TokenUsage usage)
    {
        lock (_emit)
        {
            _usage += usage;
        }
        _emit(new LlmCallFinished(Step, Node, model, usage));
    }

    internal static void Enter(NodeContext? context) => Ambient.Value = context;
}
