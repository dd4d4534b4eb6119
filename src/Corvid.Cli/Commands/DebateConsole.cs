using Corvid.Agents;
using Corvid.Agents.Debate;
using Spectre.Console;

namespace Corvid.Cli;

/// <summary>Prints a debate as it happens: each new statement in its side's colour, each fact check's verdict, the decision.</summary>
internal sealed class DebateConsole(IAnsiConsole console)
{
    private readonly HashSet<string> _shown = [];
    private string? _topic;

    /// <summary>Marks what a resumed thread already said, so only what is new is printed.</summary>
    public void Recap(DebateState state, string threadId, int step)
    {
        foreach (var message in state.Messages) _shown.Add(Key(message));
        _topic = state.Topic.Length > 0 ? state.Topic : null;
        console.MarkupLine($"[grey]Resuming thread {Markup.Escape(threadId)} after step {step}: {state.Messages.Count(m => Sides.IsSide(m.Speaker))} statements so far.[/]");
        if (_topic is not null) console.Write(new Rule($"[bold]{Markup.Escape(_topic)}[/]").LeftJustified());
    }

    /// <summary>Prints what a completed step added; true if it printed a statement.</summary>
    public bool Show(DebateState state)
    {
        if (_topic is null && state.Topic.Length > 0)
        {
            _topic = state.Topic;
            console.Write(new Rule($"[bold]{Markup.Escape(state.Topic)}[/]").LeftJustified());
        }
        var printedStatement = false;
        foreach (var message in state.Messages.Where(m => _shown.Add(Key(m))))
        {
            switch (message.Speaker)
            {
                case Sides.Pro or Sides.Con when !message.Validated:
                    console.WriteLine();
                    console.MarkupLine($"[bold {Colour(message.Speaker)}]{message.Speaker.ToUpperInvariant()}[/] [grey]· {Stage(message.Stage)}[/]");
                    console.MarkupLine($"[{Colour(message.Speaker)}]{Markup.Escape(message.Content)}[/]");
                    printedStatement = true;
                    break;
                case Speakers.FactChecker:
                    console.MarkupLine(message.Validated
                        ? $"  [green]✓ fact check passed:[/] [grey]{Markup.Escape(After(message.Content, "PASS: "))}[/]"
                        : $"  [red]✗ fact check failed:[/] {Markup.Escape(After(message.Content, "FAIL: "))} [grey](PRO {state.ProFailedChecks}, CON {state.ConFailedChecks} failed)[/]");
                    break;
                case Speakers.Moderator:
                    console.MarkupLine($"[grey italic]Moderator: {Markup.Escape(message.Content.Replace("\n\n", " ").Replace('\n', ' '))}[/]");
                    break;
            }
        }
        return printedStatement;
    }

    public void AskHuman(HumanTurnRequest request)
    {
        console.WriteLine();
        console.MarkupLine($"[bold {Colour(request.Side)}]Your turn ({request.Side.ToUpperInvariant()} · {Stage(request.Stage)}).[/]");
        if (request.RevisionReason is { } reason) console.MarkupLine($"[red]Revise your statement. The fact checker says:[/] {Markup.Escape(reason)}");
        console.MarkupLine("[grey]Type your statement on one line and press Enter (figures are fact-checked against the evidence base).[/]");
    }

    public void Verdict(DebateState state, TokenUsage usage)
    {
        if (state.Verdict is not { } verdict) return;
        var lines = new List<string> { $"[bold]WINNER: {verdict.Winner.ToUpperInvariant()}[/]" };
        if (verdict.Disqualified is { } side) lines.Add($"[red]{side.ToUpperInvariant()} disqualified for failed fact checks[/]");
        lines.AddRange(verdict.Reasons.Select(r => Markup.Escape(r)));
        lines.Add($"[grey]Fact checks failed: PRO {state.ProFailedChecks}, CON {state.ConFailedChecks}. Tokens: {usage}.[/]");
        console.WriteLine();
        console.Write(new Panel(new Markup(string.Join('\n', lines))).Header("Judge's decision").Border(BoxBorder.Rounded));
    }

    private static string Key(DebateMessage message) => $"{message.Id}:{message.Validated}:{message.Speaker}";

    private static string Colour(string side) => side == Sides.Pro ? "deepskyblue1" : "orange1";

    private static string Stage(string stage) => stage.Replace('_', ' ');

    private static string After(string text, string prefix) => text.StartsWith(prefix, StringComparison.Ordinal) ? text[prefix.Length..] : text;
}
