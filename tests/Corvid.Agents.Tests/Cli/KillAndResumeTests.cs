using Corvid.Agents.Debate;

namespace Corvid.Agents.Tests.Cli;

/// <summary>
/// Kills a real <c>corvid debate</c> process mid-debate and resumes the thread in a new process from the same
/// SQLite file: the debate completes, matches an uninterrupted run, and no step ran twice.
/// </summary>
public class KillAndResumeTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_killed_debate_resumes_from_its_last_checkpoint_and_finishes_as_an_uninterrupted_one()
    {
        var db = _folder.File("debates.db");
        string[] debate = ["debate", "--seed", "4", "--misquote-rate", "0.3"];

        // --pace holds the run after each statement, so the kill lands mid-debate, after CON's first rebuttal.
        var (before, killed) = await Corvid.RunAndKill(line => line.StartsWith("CON · rebuttal", StringComparison.Ordinal),
            [.. debate, "--thread", "k1", "--db", db, "--pace", "400"]);
        Assert.True(killed, "the process was still running when its output reached CON's rebuttal");
        Assert.DoesNotContain("WINNER", before);

        var store = new SqliteCheckpointSaver(db);
        var stepsBeforeKill = (await store.ListAsync("k1")).Select(c => c.Step).ToList();
        Assert.NotEmpty(stepsBeforeKill);

        var resumedTranscript = _folder.File("resumed.json");
        var after = Corvid.Run("debate", "--resume", "k1", "--db", db, "--transcript", resumedTranscript);
        Assert.Equal(0, after.ExitCode);
        Assert.Contains("Resuming thread k1", after.StdOut);
        Assert.DoesNotContain("PRO · opening", after.StdOut); // said before the kill, not said again
        Assert.Contains("WINNER: PRO", after.StdOut);

        // Every step ran once: one checkpoint per step, the killed run's steps all before the resumed run's.
        var checkpoints = await store.ListAsync("k1");
        var steps = checkpoints.Select(c => c.Step).ToList();
        Assert.Equal(Enumerable.Range(0, steps.Count), steps);
        var runs = checkpoints.Select(c => c.Metadata.RunId).Distinct().ToList();
        Assert.Equal(2, runs.Count);
        var firstRunSteps = checkpoints.Where(c => c.Metadata.RunId == runs[0]).Select(c => c.Step).ToList();
        Assert.Equal(stepsBeforeKill, firstRunSteps);
        Assert.True(checkpoints.Where(c => c.Metadata.RunId == runs[1]).All(c => c.Step > firstRunSteps.Max()));

        // The same debate as one run without a kill.
        var referenceTranscript = _folder.File("reference.json");
        Assert.Equal(0, Corvid.Run([.. debate, "--transcript", referenceTranscript]).ExitCode);
        var resumed = DebateTranscript.Read(resumedTranscript);
        var reference = DebateTranscript.Read(referenceTranscript);
        Assert.Equal(reference.Messages.Select(m => (m.Speaker, m.Stage, m.Content, m.Validated)), resumed.Messages.Select(m => (m.Speaker, m.Stage, m.Content, m.Validated)));
        Assert.Equal(reference.Verdict!.Winner, resumed.Verdict!.Winner);
        Assert.Equal(reference.Verdict.Reasons, resumed.Verdict.Reasons);
        Assert.Equal(reference.FactChecks, resumed.FactChecks);
        Assert.Equal(reference.Steps, resumed.Steps);
    }
}
