using System.Text.Json;
using System.Text.Json.Serialization;

namespace Corvid.Agents.Debate;

/// <summary>What <c>corvid debate --transcript</c> writes: the whole debate as JSON.</summary>
public sealed record DebateTranscript(
    string Topic,
    string? TopicId,
    string ThreadId,
    DebateSettings Settings,
    IReadOnlyList<TranscriptMessage> Messages,
    IReadOnlyDictionary<string, FactCheckCounts> FactChecks,
    Verdict? Verdict,
    TranscriptUsage TokenUsage,
    int Steps)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static DebateTranscript From(DebateState state, string threadId, int steps)
    {
        var counts = new[] { Sides.Pro, Sides.Con }.ToDictionary(side => side, side =>
        {
            // A check belongs to the side whose statement precedes it.
            var checks = state.Messages.Select((m, i) => (m, i))
                .Where(x => x.m.Speaker == Speakers.FactChecker && state.Messages.Take(x.i).LastOrDefault(p => Sides.IsSide(p.Speaker))?.Speaker == side)
                .ToList();
            return new FactCheckCounts(checks.Count(c => c.m.Validated), checks.Count(c => !c.m.Validated));
        });
        var total = state.UsageByNode.Values.Aggregate(default(TokenUsage), (a, b) => a + b);
        return new DebateTranscript(state.Topic, state.TopicId, threadId, state.Settings,
            state.Messages.Select(m => new TranscriptMessage(m.Speaker, m.Stage, m.Content, m.Validated, m.Evidence)).ToList(),
            counts, state.Verdict, new TranscriptUsage(total, state.UsageByNode, state.UsageByRole), steps);
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Writes the transcript atomically: a reader never sees half a file.</summary>
    public void Write(string path) => AtomicFile.WriteAllText(path, ToJson());

    public static DebateTranscript Read(string path) =>
        JsonSerializer.Deserialize<DebateTranscript>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"transcript '{path}' is empty");
}

public sealed record TranscriptMessage(string Speaker, string Stage, string Content, bool Validated, IReadOnlyList<string> Evidence);

public sealed record FactCheckCounts(int Passed, int Failed);

public sealed record TranscriptUsage(TokenUsage Total, IReadOnlyDictionary<string, TokenUsage> ByNode, IReadOnlyDictionary<string, TokenUsage> ByRole);
