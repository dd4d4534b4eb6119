using Corvid.Agents.Debate;

namespace Corvid.Agents.Tests.Debate;

public class OfflineDebateTests
{
    [Fact]
    public async Task Seed_1_every_statement_passes_and_the_judge_decides_by_the_rubric()
    {
        var result = await Debates.RunAsync(new DebateSettings { Seed = 1 });
        var state = result.State;

        Assert.Equal("four-day-week", state.TopicId);
        Assert.Equal([("pro", "opening"), ("con", "rebuttal"), ("pro", "counter"), ("con", "final_argument")],
            state.Statements().Select(m => (m.Speaker, m.Stage)));
        Assert.All(state.Statements(), m => Assert.True(m.Validated));
        Assert.Equal(4, state.Checks().Count(c => c.Content.StartsWith("PASS", StringComparison.Ordinal)));
        Assert.Equal(0, state.ProFailedChecks + state.ConFailedChecks);
        Assert.Equal("con", state.Verdict!.Winner);
        Assert.Null(state.Verdict.Disqualified);
        Assert.Contains(state.Verdict.Reasons, r => r.StartsWith("CON:", StringComparison.Ordinal) && r.Contains("= 13"));
        Assert.StartsWith("WINNER: CON\n\nREASON: ", state.Messages[^1].Content);
        Assert.Equal(Speakers.Judge, state.Messages[^1].Speaker);
        Assert.Equal(18, result.Step);
    }

    [Fact]
    public async Task Each_speech_answers_what_the_opponent_just_cited()
    {
        var state = (await Debates.RunAsync(new DebateSettings { Seed = 1 })).State;
        var statements = state.Statements().ToList();

        for (var i = 1; i < statements.Count; i++)
        {
            var previous = statements[i - 1].Evidence;
            var answers = statements[i].Evidence.Select(EvidenceBase.Default.Item).Where(item => item.Rebuts.Any(previous.Contains)).ToList();
            Assert.NotEmpty(answers);
            Assert.Contains("My opponent relies on", statements[i].Content);
        }
        Assert.Equal(8, statements.SelectMany(s => s.Evidence).Distinct().Count()); // nothing cited twice
    }

    [Fact]
    public async Task Seed_4_with_misquotes_fails_checks_and_the_revision_fixes_the_named_figure()
    {
        var state = (await Debates.RunAsync(new DebateSettings { Seed = 4, MisquoteRate = 0.3 })).State;

        Assert.Equal(2, state.ConFailedChecks);
        Assert.Equal(0, state.ProFailedChecks);
        var messages = state.Messages.ToList();
        var failed = messages.FindIndex(m => m.Speaker == Speakers.FactChecker && !m.Validated);
        var wrong = messages[failed - 1];
        var revised = messages[failed + 1];
        Assert.Equal(("con", false), (wrong.Speaker, wrong.Validated));
        Assert.Matches(@"FAIL: The statement says [\d.,]+ where .+ says [\d.,]+: "".+""", messages[failed].Content);
        Assert.Equal((wrong.Speaker, wrong.Stage), (revised.Speaker, revised.Stage));
        Assert.StartsWith("I correct what the fact checker flagged in", revised.Content);
        Assert.Equal("pro", state.Verdict!.Winner);
        Assert.Null(state.Verdict.Disqualified);
        Assert.Contains(state.Verdict.Reasons, r => r.StartsWith("CON:", StringComparison.Ordinal) && r.Contains("2 failed fact checks (−6)"));
        Assert.Equal(4, state.Statements().Count(m => m.Validated));
    }

    [Fact]
    public async Task Seed_10_ends_in_disqualification_at_the_third_failed_check()
    {
        var state = (await Debates.RunAsync(new DebateSettings { Seed = 10, MisquoteRate = 0.3 })).State;

        Assert.Equal(3, state.ConFailedChecks);
        Assert.Equal(new Verdict("pro", state.Verdict!.Reasons, "con"), state.Verdict);
        var last = state.Messages[^1];
        Assert.Equal(Speakers.Moderator, last.Speaker);
        Assert.Contains("DISQUALIFIED: CON (exceeded fact check limit)\nWINNER: PRO", last.Content);
        Assert.DoesNotContain(state.Messages, m => m.Speaker == Speakers.Judge);
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_transcript()
    {
        var settings = new DebateSettings { Seed = 6, MisquoteRate = 0.5 };

        var first = DebateTranscript.From((await Debates.RunAsync(settings)).State, "t", 0).ToJson();
        var second = DebateTranscript.From((await Debates.RunAsync(settings)).State, "t", 0).ToJson();
        var other = DebateTranscript.From((await Debates.RunAsync(settings with { Seed = 7 })).State, "t", 0).ToJson();

        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
        Assert.Contains("\"failed\": 2", first);
    }

    [Fact]
    public async Task The_opening_side_and_the_topic_can_be_chosen()
    {
        var state = (await Debates.RunAsync(new DebateSettings { Seed = 1, OpeningSide = "con", TopicRequest = "nuclear-power" })).State;

        Assert.Equal("Governments should build new nuclear power plants to cut carbon emissions", state.Topic);
        Assert.Equal([("con", "opening"), ("pro", "rebuttal"), ("con", "counter"), ("pro", "final_argument")],
            state.Statements().Select(m => (m.Speaker, m.Stage)));
        Assert.StartsWith("I speak against the motion", state.Statements().First().Content);
    }

    [Fact]
    public async Task Offline_debaters_refuse_a_topic_outside_the_evidence_base_with_a_pointer_to_llms()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Debates.RunAsync(new DebateSettings { TopicRequest = "Cats are better than dogs" }));

        Assert.Contains("--provider openai", error.Message);
    }

    [Fact]
    public void The_debate_diagram_shows_the_router_and_moderator_commands()
    {
        var mermaid = DebateWorkflow.Build(DebateTeams.Create(new DebateSettings())).ToMermaid();

        Assert.Contains("fact_check_router -.-> moderator", mermaid);
        Assert.Contains("fact_check_router -.-> pro_debater", mermaid);
        Assert.Contains("fact_check_router -.-> con_debater", mermaid);
        Assert.Contains("fact_check_router -.-> __end__", mermaid);
        Assert.Contains("moderator -.-> judge", mermaid);
        Assert.Contains("pro_debater --> fact_check", mermaid);
        Assert.Contains("judge --> __end__", mermaid);
        Assert.Contains("generate_topic -.-> con_debater", mermaid);
    }
}
