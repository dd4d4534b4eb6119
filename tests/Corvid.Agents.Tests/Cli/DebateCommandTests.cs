using System.Text.Json;
using Corvid.Agents.Debate;

namespace Corvid.Agents.Tests.Cli;

public class DebateCommandTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void An_offline_debate_prints_live_and_writes_a_complete_transcript()
    {
        var path = _folder.File("out/transcript.json");

        var result = Corvid.Run("debate", "--seed", "4", "--misquote-rate", "0.3", "--transcript", path);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("PRO · opening", result.StdOut);
        Assert.Contains("✗ fact check failed:", result.StdOut);
        Assert.Contains("✓ fact check passed:", result.StdOut);
        Assert.Contains("WINNER: PRO", result.StdOut);
        var transcript = DebateTranscript.Read(path);
        Assert.Equal("social-media-age", transcript.TopicId);
        Assert.Equal(new FactCheckCounts(2, 0), transcript.FactChecks["pro"]);
        Assert.Equal(new FactCheckCounts(2, 2), transcript.FactChecks["con"]);
        Assert.Equal("pro", transcript.Verdict!.Winner);
        Assert.Equal(4, transcript.Messages.Count(m => m.Speaker is "pro" or "con" && m.Validated));
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        foreach (var field in new[] { "topic", "messages", "factChecks", "verdict", "tokenUsage" }) Assert.True(json.RootElement.TryGetProperty(field, out _), field);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp"));
    }

    [Fact]
    public void Graph_prints_the_mermaid_diagram()
    {
        var result = Corvid.Run("debate", "--graph");

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("---\ntitle: deb8flow\n---\nflowchart TD", result.StdOut.ReplaceLineEndings("\n"));
        Assert.Contains("fact_check_router -.-> __end__", result.StdOut);
    }

    [Theory]
    [InlineData("--provider", "anthropic", "unknown provider 'anthropic' (known: offline, openai)")]
    [InlineData("--human", "judge", "--human must be pro or con, got 'judge'")]
    [InlineData("--misquote-rate", "1.5", "--misquote-rate must be between 0 and 1")]
    public void Bad_options_fail_with_a_message_naming_the_value(string option, string value, string message)
    {
        var result = Corvid.Run("debate", option, value);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(message, result.StdErr);
    }

    [Fact]
    public void Resuming_an_unknown_thread_fails_naming_it_and_the_database()
    {
        var db = _folder.File("threads.db");

        var result = Corvid.Run("debate", "--resume", "nope", "--db", db);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"no debate thread 'nope' in {db}", result.StdErr);
    }

    [Fact]
    public void A_corrupt_checkpoint_database_fails_with_a_clear_message()
    {
        var db = _folder.File("corrupt.db");
        File.WriteAllBytes(db, Enumerable.Range(0, 4096).Select(i => (byte)(i * 7)).ToArray());

        var result = Corvid.Run("debate", "--thread", "t", "--db", db);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"checkpoint database '{db}' cannot be used", result.StdErr);
        Assert.DoesNotContain("   at ", result.StdErr);
    }

    [Fact]
    public void An_unreachable_endpoint_fails_with_a_clear_message()
    {
        var result = Corvid.Run("debate", "--provider", "openai", "--endpoint", "http://127.0.0.1:1/v1", "--model", "m");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("could not reach the LLM endpoint http://127.0.0.1:1/v1", result.StdErr);
    }

    [Fact]
    public void A_human_side_pauses_for_input_and_continues_in_a_new_process()
    {
        var db = _folder.File("human.db");
        var transcript = _folder.File("human.json");

        // No input: the debate stops at CON's rebuttal and says how to continue.
        var first = Corvid.RunWithInput("", "debate", "--topic", "social-media-age", "--human", "con", "--thread", "h1", "--db", db);
        Assert.Equal(0, first.ExitCode);
        Assert.Contains("Your turn (CON · rebuttal)", first.StdOut);
        Assert.Contains("corvid debate --resume h1", first.StdOut);

        // Later, another process: a misquoted figure is caught and revised, then the final argument.
        var second = Corvid.RunWithInput(
            "Only 19 percent of teens say social media has had a mostly negative effect on them personally.\n"
            + "Only 9 percent of teens say social media has had a mostly negative effect on them personally.\n"
            + "Trust families, not bans: the motion should fall.\n",
            "debate", "--resume", "h1", "--db", db, "--transcript", transcript);

        Assert.Equal(0, second.ExitCode);
        Assert.Contains("Revise your statement. The fact checker says:", second.StdOut);
        Assert.Contains("Your turn (CON · final argument)", second.StdOut);
        var result = DebateTranscript.Read(transcript);
        var con = result.Messages.Where(m => m.Speaker == "con").ToList();
        Assert.Equal(["rebuttal", "rebuttal", "final_argument"], con.Select(m => m.Stage));
        Assert.Equal([false, true, true], con.Select(m => m.Validated));
        Assert.Equal("con", result.Settings.HumanSide);
        Assert.NotNull(result.Verdict);
    }

    [Fact]
    public void Trace_writes_spans_that_trace_show_draws_as_a_waterfall()
    {
        var trace = _folder.File("trace.json");

        var run = Corvid.Run("debate", "--seed", "1", "--trace", trace);
        var show = Corvid.Run("trace", "show", trace);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(0, show.ExitCode);
        Assert.Contains("graph deb8flow", show.StdOut);
        Assert.Matches(@"(?m)^│ \s+node pro_debater", show.StdOut);
        Assert.Matches(@"(?m)^│ \s+node judge", show.StdOut);
        Assert.Contains("█", show.StdOut);
        var spans = TraceFile.Read(trace);
        Assert.Equal(18, spans.Count(s => s.Name.StartsWith("node ", StringComparison.Ordinal)));
    }

    [Fact]
    public void Trace_show_of_a_missing_file_fails_naming_it()
    {
        var result = Corvid.Run("trace", "show", _folder.File("none.json"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("none.json' does not exist", result.StdErr);
    }
}
