using System.Collections.Immutable;
using System.Text;

namespace Corvid.Agents.Debate;

/// <summary>
/// Argues one side from the evidence base. Each speech first answers the opponent's last statement with
/// evidence that rebuts what it cited, then adds fresh evidence; nothing is cited twice. With probability
/// <see cref="DebateSettings.MisquoteRate"/> it misquotes one figure (seeded), so fact checks can fail for real;
/// a revision fixes exactly the figures the fact checker named.
/// </summary>
public sealed class OfflineDebater(EvidenceBase evidence) : IDebater
{
    private static readonly decimal[] MisquoteFactors = [1.5m, 2m, 0.5m, 3m];

    public Task<Statement> SpeakAsync(DebateTurn turn, NodeContext context)
    {
        var topic = evidence.Topic(turn.TopicId ?? throw new InvalidOperationException(
            "offline debaters argue only the evidence base's topics; use --provider openai for a free topic"));
        var own = topic.For(turn.Side);

        // On a revision, repeat the same evidence with the figures corrected; otherwise choose anew.
        var chosen = turn.Revision is { } revision && PreviousEvidence(turn) is { Count: > 0 } previous
            ? previous.Select(evidence.Item).ToList()
            : Choose(turn, own);
        var answered = turn.OpponentLast?.Evidence ?? [];

        var random = StableRandom.For(turn.Settings.Seed, turn.Side, turn.Stage, turn.Attempt);
        var figures = chosen.ToDictionary(item => item.Id, item => (IReadOnlyList<decimal>)item.Figures);
        var fixedNow = turn.Revision?.Errors.Select(e => e.EvidenceId).ToHashSet() ?? [];
        var misquotable = chosen.Where(i => i.Figures.Count > 0 && !fixedNow.Contains(i.Id)).ToList();
        if (misquotable.Count > 0 && random.NextDouble() < turn.Settings.MisquoteRate)
        {
            var item = misquotable[random.Next(misquotable.Count)];
            var index = random.Next(item.Figures.Count);
            var wrong = item.Figures.ToArray();
            var factor = MisquoteFactors[random.Next(MisquoteFactors.Length)];
            wrong[index] = item.Figures[index] < 10 && item.Figures[index] != decimal.Truncate(item.Figures[index])
                ? Math.Round(item.Figures[index] * factor, 2)
                : Math.Max(1, Math.Round(item.Figures[index] * factor));
            if (wrong[index] > 100 && item.Claim.Contains("{" + index + "} percent", StringComparison.Ordinal))
            {
                wrong[index] = Math.Round(item.Figures[index] / 2); // a believable misquote, not 201 percent
            }
            if (wrong[index] == item.Figures[index]) wrong[index] += 1;
            figures[item.Id] = wrong;
        }

        var text = new StringBuilder();
        if (turn.Revision is not null)
        {
            var labels = turn.Revision.Errors.Select(e => evidence.Item(e.EvidenceId).Label).Distinct().ToList();
            text.Append(labels.Count > 0
                ? $"I correct what the fact checker flagged in {string.Join(" and ", labels)}. "
                : "I restate my case more carefully. ");
        }
        text.Append(Opening(turn, topic));
        var rebutted = new HashSet<string>();
        foreach (var item in chosen)
        {
            var target = item.Rebuts.FirstOrDefault(answered.Contains);
            if (target is not null && rebutted.Add(target))
            {
                text.Append($" My opponent relies on {evidence.Item(target).Label}; the evidence says otherwise. ");
            }
            else
            {
                text.Append(target is not null ? " There is more against that point. " : " Consider this. ");
            }
            text.Append(item.Cite(figures[item.Id]));
        }
        text.Append(' ').Append(Closing(turn));
        return Task.FromResult(new Statement(text.ToString().Trim(), [.. chosen.Select(i => i.Id)]));
    }

    /// <summary>Two items: first those that rebut what the opponent just cited, then unused ones in order.</summary>
    private static List<EvidenceItem> Choose(DebateTurn turn, IReadOnlyList<EvidenceItem> own)
    {
        var used = turn.History.Where(m => m.Speaker == turn.Side && m.Validated).SelectMany(m => m.Evidence).ToHashSet();
        var answered = turn.OpponentLast?.Evidence ?? [];
        var fresh = own.Where(i => !used.Contains(i.Id)).ToList();
        var rebuttals = fresh.Where(i => i.Rebuts.Any(answered.Contains));
        var chosen = rebuttals.Concat(fresh).Distinct().Take(2).ToList();
        return chosen.Count > 0 ? chosen : [.. own.Take(1)];
    }

    private static ImmutableList<string>? PreviousEvidence(DebateTurn turn) =>
        turn.History.LastOrDefault(m => m.Speaker == turn.Side && m.Stage == turn.Stage)?.Evidence;

    private static string Opening(DebateTurn turn, EvidenceTopic topic) => turn.Stage switch
    {
        Stages.Opening => $"I speak {(turn.Side == Sides.Pro ? "for" : "against")} the motion: {topic.Motion}.",
        Stages.Rebuttal => "Let me answer my opponent's opening.",
        Stages.Counter => "My opponent's rebuttal does not hold.",
        _ => "In closing, weigh the evidence.",
    };

    private static string Closing(DebateTurn turn) => turn.Stage == Stages.FinalArgument
        ? $"The motion should {(turn.Side == Sides.Pro ? "pass" : "fall")}."
        : $"The facts are on the {turn.Side} side.";
}
