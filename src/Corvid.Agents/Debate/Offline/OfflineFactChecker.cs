using System.Collections.Immutable;

namespace Corvid.Agents.Debate;

/// <summary>
/// Checks every sentence of a statement that states a number against the evidence base: it finds the item the
/// sentence draws on (by its source, or else by shared words) and requires each number in the sentence to be one
/// the source states. Sentences without numbers are opinion and pass, as in Deb8flow's checker.
/// </summary>
public sealed class OfflineFactChecker(EvidenceBase evidence) : IFactChecker
{
    private const double MinimumOverlap = 0.5;

    public Task<FactCheck> CheckAsync(string topic, string? topicId, DebateMessage statement, NodeContext context)
    {
        var items = topicId is null ? evidence.Topics.SelectMany(t => t.All).ToList() : evidence.Topic(topicId).All.ToList();
        var problems = new List<string>();
        var errors = new List<FigureError>();
        var cited = new List<string>();
        var checkedClaims = 0;

        // Numbers of the motion itself ("under 16") are the topic, not a claim to check.
        var motion = NumericClaims.Numbers(topic).Select(n => n.Value).ToHashSet();
        foreach (var sentence in NumericClaims.Sentences(statement.Content))
        {
            var numbers = NumericClaims.Numbers(sentence).Where(n => !motion.Contains(n.Value)).ToList();
            if (numbers.Count == 0) continue;
            checkedClaims++;
            var item = Match(sentence, items);
            if (item is null)
            {
                problems.Add($"\"{Shorten(sentence)}\" states {string.Join(", ", numbers.Select(n => n.Text))} but no source in the evidence base supports it");
                continue;
            }
            if (!cited.Contains(item.Id)) cited.Add(item.Id);
            var allowed = NumericClaims.Numbers(item.Render() + " " + item.Source).Select(n => n.Value).ToHashSet();
            foreach (var (text, value) in numbers.Where(n => !allowed.Contains(n.Value)))
            {
                var actual = item.Figures.Count > 0
                    ? item.Figures.OrderBy(f => Math.Abs(f - value)).Select(EvidenceItem.FormatFigure).First()
                    : "no such figure";
                errors.Add(new FigureError(item.Id, text, actual));
                problems.Add($"the statement says {text} where {item.Source} says {actual}: \"{item.Render()}\"");
            }
        }

        var passed = problems.Count == 0;
        var justification = passed
            ? checkedClaims == 0
                ? "No numeric claims to verify; the statement is argument, not data."
                : $"All {checkedClaims} numeric claim{(checkedClaims == 1 ? "" : "s")} match the cited sources."
            : string.Join("; ", problems) + ".";
        return Task.FromResult(new FactCheck(passed, char.ToUpperInvariant(justification[0]) + justification[1..], [.. errors], [.. cited]));
    }

    /// <summary>The item a sentence draws on: the one whose source it names, else the one sharing most of its words.</summary>
    private static EvidenceItem? Match(string sentence, IReadOnlyList<EvidenceItem> items)
    {
        var bySource = items.Where(i => sentence.Contains(i.Source, StringComparison.OrdinalIgnoreCase)).ToList();
        var candidates = bySource.Count > 0 ? bySource : items;
        var words = NumericClaims.Words(sentence);
        return candidates
            .Select(item => (item, overlap: Overlap(NumericClaims.Words(item.Claim), words)))
            .Where(c => bySource.Count > 0 || c.overlap >= MinimumOverlap)
            .OrderByDescending(c => c.overlap)
            .Select(c => c.item)
            .FirstOrDefault();
    }

    private static double Overlap(HashSet<string> claim, HashSet<string> sentence) =>
        claim.Count == 0 ? 0 : (double)claim.Count(sentence.Contains) / claim.Count;

    private static string Shorten(string sentence) => sentence.Length <= 80 ? sentence : sentence[..77] + "...";
}
