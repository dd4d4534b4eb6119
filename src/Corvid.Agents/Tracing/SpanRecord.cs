namespace Corvid.Agents;

/// <summary>One finished span as a trace file stores it: what ran, when, under which parent, with which attributes.</summary>
public sealed record SpanRecord(
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    string Name,
    string Kind,
    DateTimeOffset Start,
    DateTimeOffset End,
    IReadOnlyDictionary<string, object?> Attributes,
    bool IsError,
    string? StatusMessage)
{
    public TimeSpan Duration => End - Start;

    public long? LongAttribute(string key) => Attributes.TryGetValue(key, out var value) && value is not null
        ? Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)
        : null;

    public string? StringAttribute(string key) => Attributes.TryGetValue(key, out var value) ? value?.ToString() : null;
}
