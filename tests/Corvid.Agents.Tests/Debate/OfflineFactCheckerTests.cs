using Corvid.Agents.Debate;

namespace Corvid.Agents.Tests.Debate;

public class OfflineFactCheckerTests
{
    private static readonly OfflineFactChecker Checker = new(EvidenceBase.Default);
    private const string Motion = "Children under 16 should be banned from social media";

    private static FactCheck Check(string text) =>
        Checker.CheckAsync(Motion, "social-media-age", new DebateMessage("m1", "pro", "opening", text, false, []), null!).Result;

    [Fact]
    public void A_correctly_quoted_figure_passes_and_names_the_evidence()
    {
        var check = Check("I speak for the motion: Children under 16 should be banned from social media. "
            + "Up to 95 percent of 13-to-17-year-olds use a social media platform (US Surgeon General's Advisory on Social Media and Youth Mental Health, 2023).");

        Assert.True(check.Passed, check.Justification);
        Assert.Equal(["sm-p2"], check.Evidence);
        Assert.Equal("All 1 numeric claim match the cited sources.", check.Justification);
    }

    [Fact]
    public void A_misquoted_figure_fails_with_what_the_source_says()
    {
        var check = Check("Only 19 percent of teens say social media has had a mostly negative effect on them personally (Pew Research Center, 2022).");

        Assert.False(check.Passed);
        Assert.Equal([new FigureError("sm-c4", "19", "9")], check.Errors);
        Assert.Contains("The statement says 19 where Pew Research Center, 2022 says 9", check.Justification);
    }

    [Fact]
    public void A_figure_without_a_source_in_the_evidence_base_fails_and_opinion_passes()
    {
        var unsupported = Check("Screens cause 73 percent of all playground injuries.");
        Assert.False(unsupported.Passed);
        Assert.Contains("states 73 but no source in the evidence base supports it", unsupported.Justification);

        var opinion = Check("Childhood deserves protection from attention-harvesting apps.");
        Assert.True(opinion.Passed);
        Assert.Contains("No numeric claims", opinion.Justification);
    }

    [Fact]
    public void A_human_paraphrase_is_matched_by_its_words_without_the_source_name()
    {
        var check = Check("Surveys show 80 percent of teens feel more connected to what is going on in their friends' lives.");

        Assert.True(check.Passed, check.Justification);
        Assert.Equal(["sm-c1"], check.Evidence);
    }
}
