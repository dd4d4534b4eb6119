using System.Text.Json;

namespace Corvid.Agents;

/// <summary>
/// Continues a thread from its last checkpoint (LangGraph's <c>invoke(Command(resume=...))</c>): the nodes that
/// had not finished run, the ones that had are not run again; an interrupted node runs again from its start and
/// its <see cref="NodeContext.Interrupt{T}"/> call returns the value given here.
/// </summary>
public sealed record Resume
{
    private Resume(object? value, IReadOnlyDictionary<string, object?>? byInterruptId, bool hasValue)
    {
        Value = value;
        ByInterruptId = byInterruptId;
        HasValue = hasValue;
    }

    internal object? Value { get; }
    internal IReadOnlyDictionary<string, object?>? ByInterruptId { get; }
    internal bool HasValue { get; }

    /// <summary>Runs what is left of the thread (after a crash, a kill or a step limit).</summary>
    public static Resume Continue { get; } = new(null, null, false);

    /// <summary>Answers the one pending interrupt.</summary>
    public static Resume With(object? value) => new(value, null, true);

    /// <summary>Answers several pending interrupts, each by its <see cref="Interrupt.Id"/>.</summary>
    public static Resume ById(IReadOnlyDictionary<string, object?> values) => new(null, values, true);
}

/// <summary>A node waiting for input: its value says what it asks for.</summary>
public sealed record Interrupt(string Id, string Node, int Index, JsonElement Value)
{
    public T? GetValue<T>() => Value.Deserialize<T>(new JsonSerializerOptions(JsonSerializerDefaults.Web));
}
