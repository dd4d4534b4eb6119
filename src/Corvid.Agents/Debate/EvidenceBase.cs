using System.Globalization;
using System.Text.Json;

namespace Corvid.Agents.Debate;

/// <summary>One fact a debater may cite: a claim with its figures, where it comes from, and which opposing facts it answers.</summary>
/// <remarks><see cref="Strength"/>: 3 for official statistics or a systematic review, 2 for a study or survey, 1 for a single case.</remarks>
public sealed record EvidenceItem(string Id, string Label, string Claim, IReadOnlyList<decimal> Figures, string Source, int Strength, IReadOnlyList<string> Rebuts)
{
    /// <summary>The claim with its figures, or with <paramref name="figures"/> in their place.</summary>
    public string Render(IReadOnlyList<decimal>? figures = null) =>
        string.Format(CultureInfo.InvariantCulture, Claim, (figures ?? Figures).Select(FormatFigure).ToArray<object>());

    /// <summary>The claim as a debater states it, with its source.</summary>
    public string Cite(IReadOnlyList<decimal>? figures = null) => $"{Render(figures)} ({Source}).";

    public static string FormatFigure(decimal value) =>
        value >= 1000 && value == decimal.Truncate(value)
            ? value.ToString("#,0", CultureInfo.InvariantCulture)
            : value.ToString("0.##", CultureInfo.InvariantCulture);
}

public sealed record EvidenceTopic(string Id, string Motion, IReadOnlyList<EvidenceItem> Pro, IReadOnlyList<EvidenceItem> Con)
{
    public IReadOnlyList<EvidenceItem> For(string side) => side == Sides.Pro ? Pro : Con;

    public IEnumerable<EvidenceItem> All => Pro.Concat(Con);
}

/// <summary>The small evidence base shipped with Corvid, so a debate can be argued and fact-checked offline.</summary>
public sealed class EvidenceBase
{
    private static readonly Lazy<EvidenceBase> Shipped = new(() =>
    {
        using var stream = typeof(EvidenceBase).Assembly.GetManifestResourceStream("Corvid.Agents.Debate.evidence.json")
            ?? throw new InvalidOperationException("the evidence base is missing from Corvid.Agents");
        return Parse(stream);
    });

    private EvidenceBase(IReadOnlyList<EvidenceTopic> topics) => Topics = topics;

    public static EvidenceBase Default => Shipped.Value;

    public IReadOnlyList<EvidenceTopic> Topics { get; }

    public EvidenceTopic Topic(string id) => Topics.FirstOrDefault(t => t.Id == id)
        ?? throw new ArgumentException($"no evidence topic '{id}' (known: {string.Join(", ", Topics.Select(t => t.Id))})");

    public EvidenceItem Item(string id) => Topics.SelectMany(t => t.All).FirstOrDefault(i => i.Id == id)
        ?? throw new ArgumentException($"no evidence item '{id}'");

    /// <summary>The topic a request names: its id, or its motion word for word (ignoring case).</summary>
    public EvidenceTopic? Find(string request) => Topics.FirstOrDefault(t =>
        string.Equals(t.Id, request.Trim(), StringComparison.OrdinalIgnoreCase)
        || string.Equals(t.Motion.TrimEnd('.'), request.Trim().TrimEnd('.', '?'), StringComparison.OrdinalIgnoreCase));

    public static EvidenceBase Parse(Stream json)
    {
        using var document = JsonDocument.Parse(json);
        var topics = new List<EvidenceTopic>();
        foreach (var topic in document.RootElement.GetProperty("topics").EnumerateArray())
        {
            List<EvidenceItem> Items(string side) => topic.GetProperty(side).EnumerateArray().Select(item => new EvidenceItem(
                item.GetProperty("id").GetString()!,
                item.GetProperty("label").GetString()!,
                item.GetProperty("claim").GetString()!,
                item.GetProperty("figures").EnumerateArray().Select(f => f.GetDecimal()).ToList(),
                item.GetProperty("source").GetString()!,
                item.GetProperty("strength").GetInt32(),
                item.GetProperty("rebuts").EnumerateArray().Select(r => r.GetString()!).ToList())).ToList();
            topics.Add(new EvidenceTopic(topic.GetProperty("id").GetString()!, topic.GetProperty("motion").GetString()!, Items("pro"), Items("con")));
        }
        return new EvidenceBase(topics);
    }
}
