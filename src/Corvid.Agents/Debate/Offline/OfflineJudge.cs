using System.Collections.Immutable;

namespace Corvid.Agents.Debate;

/// <summary>
/// Scores each side with a rubric anyone can recompute from the transcript: + the strength (1 to 3) of each distinct
/// evidence item in its validated statements, + 6 × the share of the opposing points it faced that it answered (a point
/// the opponent cited in the statement just before, rebutted by an item it cites), −3 for each failed fact check. Ties go to fewer failed checks, then to the side
/// that answered more points, then to the side that spoke last.
/// </summary>
public sealed class OfflineJudge(EvidenceBase evidence) : IJudge
{
    public Task<Verdict> JudgeAsync(DebateState state, NodeContext context)
    {
        var scores = new[] { Sides.Pro, Sides.Con }.ToDictionary(side => side, side => ScoreOf(state, side));
        var ranked = scores.Values
            .OrderByDescending(s => s.Total)
            .ThenBy(s => s.Failed)
            .ThenByDescending(s => s.Answered)
            .ThenByDescending(s => s.Side == Sides.Other(state.Settings.OpeningSide))
            .ToList();
        var winner = ranked[0];
        var loser = ranked[1];
        var reasons = ImmutableList.Create(
            Describe(winner),
            Describe(loser),
            winner.Total > loser.Total
                ? $"{winner.Side.ToUpperInvariant()} wins by {winner.Total - loser.Total} point{(winner.Total - loser.Total == 1 ? "" : "s")}."
                : $"The scores are tied; {winner.Side.ToUpperInvariant()} wins on the tie-break (fewer failed checks, then more points answered, then the last word).");
        return Task.FromResult(new Verdict(winner.Side, reasons, null));
    }

    private Score ScoreOf(DebateState state, string side)
    {
        var statements = state.Messages.Where(m => Sides.IsSide(m.Speaker) && m.Validated).ToList();
        var own = statements.Where(m => m.Speaker == side).ToList();
        var cited = own.SelectMany(m => m.Evidence).Distinct().ToList();
        var items = cited.Count;
        var strength = cited.Sum(id => evidence.Item(id).Strength);
        var answered = 0;
        var ignored = 0;
        foreach (var statement in own)
        {
            var before = statements.TakeWhile(m => m.Id != statement.Id).LastOrDefault(m => m.Speaker != side);
            if (before is null) continue;
            var rebutted = before.Evidence.Where(point => statement.Evidence.Any(id => evidence.Item(id).Rebuts.Contains(point))).ToList();
            answered += rebutted.Count;
            ignored += before.Evidence.Count - rebutted.Count;
        }
        var failed = state.FailedChecks(side);
        var faced = answered + ignored;
        var rebuttal = faced == 0 ? 0 : (int)Math.Round(6.0 * answered / faced, MidpointRounding.AwayFromZero);
        return new Score(side, items, strength, answered, faced, rebuttal, failed, strength + rebuttal - 3 * failed);
    }

    private static string Describe(Score s) =>
        $"{s.Side.ToUpperInvariant()}: {s.Items} evidence item{(s.Items == 1 ? "" : "s")} of total strength {s.Strength} (+{s.Strength}), "
        + $"answered {s.Answered} of the {s.Faced} opposing point{(s.Faced == 1 ? "" : "s")} it faced (+{s.Rebuttal}), "
        + $"{s.Failed} failed fact check{(s.Failed == 1 ? "" : "s")} (−{3 * s.Failed}) = {s.Total}.";

    private sealed record Score(string Side, int Items, int Strength, int Answered, int Faced, int Rebuttal, int Failed, int Total);
}
