using System.CommandLine;
using System.Globalization;
using Corvid.Agents;
using Spectre.Console;

namespace Corvid.Cli;

/// <summary><c>corvid trace show</c>: a saved OpenTelemetry trace as a waterfall, like LangSmith's run view.</summary>
internal static class TraceCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "A trace written by corvid debate --trace (OpenTelemetry JSON)." };
        var width = new Option<int?>("--width") { Description = "Columns for the timeline bars (default: what the terminal leaves free)." };
        var show = new Command("show",
            "Draw the spans of a trace file as a waterfall: one row per graph run, node attempt and LLM call, indented under its parent, "
            + "with a bar where it ran on the timeline, its duration and its token usage.")
        {
            file, width,
        };
        show.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            IReadOnlyList<SpanRecord> spans;
            try
            {
                spans = TraceFile.Read(path);
            }
            catch (Exception error) when (error is FileNotFoundException or InvalidDataException)
            {
                Console.Error.WriteLine($"corvid trace show: {error.Message}");
                return 1;
            }
            var console = AnsiConsole.Console;
            var names = spans.Count == 0 ? 10 : spans.Max(s => s.Name.Length) + 8;
            Render(console, spans, Math.Clamp(parse.GetValue(width) ?? console.Profile.Width - names - 30, 10, 200));
            return 0;
        });
        return new Command("trace", "Look at OpenTelemetry traces saved by Corvid (corvid debate --trace).") { show };
    }

    private static void Render(IAnsiConsole console, IReadOnlyList<SpanRecord> spans, int width)
    {
        if (spans.Count == 0)
        {
            console.MarkupLine("[grey]The trace has no spans.[/]");
            return;
        }
        var children = spans.ToLookup(s => s.ParentSpanId ?? "");
        var known = spans.Select(s => s.SpanId).ToHashSet();
        var roots = spans.Where(s => s.ParentSpanId is null || !known.Contains(s.ParentSpanId)).OrderBy(s => s.Start).ToList();
        var start = spans.Min(s => s.Start);
        var total = Math.Max((spans.Max(s => s.End) - start).TotalMilliseconds, 0.001);

        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn(new TableColumn("span").NoWrap()).AddColumn(new TableColumn("timeline").NoWrap()).AddColumn(new TableColumn("ms").RightAligned()).AddColumn(new TableColumn("tokens (in/out)").RightAligned());
        void Add(SpanRecord span, int depth)
        {
            var offset = (int)Math.Round((span.Start - start).TotalMilliseconds / total * width);
            var length = Math.Max(1, (int)Math.Round(span.Duration.TotalMilliseconds / total * width));
            offset = Math.Min(offset, width - 1);
            length = Math.Min(length, width - offset);
            var colour = span.IsError ? "red" : span.Kind == "client" ? "magenta" : span.Name.StartsWith("graph", StringComparison.Ordinal) ? "blue" : "green";
            var bar = new string(' ', offset) + $"[{colour}]{new string('█', length)}[/]" + new string(' ', width - offset - length);
            var input = span.LongAttribute(AgentTelemetry.InputTokens);
            var output = span.LongAttribute(AgentTelemetry.OutputTokens);
            var tokens = input is null && output is null ? "" : $"{input ?? 0}/{output ?? 0}";
            var name = new string(' ', depth * 2) + span.Name + (span.IsError ? " ✗" : "");
            table.AddRow(Markup.Escape(name), bar, span.Duration.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture), tokens);
            foreach (var child in children[span.SpanId].OrderBy(c => c.Start)) Add(child, depth + 1);
        }
        foreach (var root in roots) Add(root, 0);
        console.Write(table);
        var llm = spans.Where(s => s.Kind == "client").ToList();
        console.MarkupLine($"[grey]{spans.Count} spans over {total:0.0} ms; {llm.Count} LLM calls, "
            + $"{llm.Sum(s => s.LongAttribute(AgentTelemetry.InputTokens) ?? 0)} input and {llm.Sum(s => s.LongAttribute(AgentTelemetry.OutputTokens) ?? 0)} output tokens.[/]");
    }
}
