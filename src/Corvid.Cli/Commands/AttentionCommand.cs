using System.CommandLine;
using System.Globalization;
using Corvid.Nn;
using Corvid.Tensors;
using Spectre.Console;

namespace Corvid.Cli;

/// <summary><c>corvid attention</c>: the walk-through of "A Simple Implementation of the Attention Mechanism from Scratch".</summary>
internal static class AttentionCommand
{
    public static Command Create()
    {
        var plot = new Option<FileInfo?>("--plot") { Description = "Also draw the attention weights as a heatmap to this PNG (or .svg) file." };
        var seed = new Option<ulong?>("--seed")
        {
            Description = "Draw the embedding and weight matrices from Corvid's generator with this seed, instead of the "
                + "weights the article's own PyTorch code draws with torch.manual_seed(0).",
        };
        var command = new Command("attention",
            "Reproduce the self-attention walk-through of \"A Simple Implementation of the Attention Mechanism from Scratch\": "
            + "the sentence \"my name is marcello politi\" as ids [2, 6, 8, 3, 1], a 10 x 16 embedding, one head's attention "
            + "weights of every token over every token (a coloured grid), z1 for token 1, and the 4-head output for token 1.")
        {
            plot,
            seed,
        };
        command.SetAction(parse =>
        {
            var run = AttentionWalkthrough.Run(parse.GetValue(seed));
            Render(run);
            if (parse.GetValue(plot) is { } file)
            {
                AttentionHeatmap.Save(run, file.FullName);
                AnsiConsole.MarkupLine($"Heatmap written to [bold]{Markup.Escape(file.FullName)}[/]");
            }
            return 0;
        });
        return command;
    }

    private static void Render(AttentionWalkthrough run)
    {
        AnsiConsole.MarkupLine($"[bold]Sentence[/]: {Markup.Escape(string.Join(' ', run.Words))}   [bold]ids[/]: [[{string.Join(", ", run.TokenIds)}]]");
        AnsiConsole.MarkupLine($"[grey]Weights: {Markup.Escape(run.WeightsSource)}[/]");
        AnsiConsole.WriteLine();

        var weights = run.Weights.ToArray();
        int n = run.Words.Length;
        var table = new Table().Border(TableBorder.Rounded)
            .Title("Attention weights, one head: row = query token, column = key token");
        table.AddColumn(new TableColumn("").RightAligned());
        foreach (var word in run.Words) table.AddColumn(new TableColumn(Markup.Escape(word)).Centered());
        for (int i = 0; i < n; i++)
        {
            var cells = new List<Spectre.Console.Rendering.IRenderable> { new Markup($"[bold]{Markup.Escape(run.Words[i])}[/]") };
            for (int j = 0; j < n; j++)
            {
                float w = weights[i * n + j];
                var (bg, fg) = HeatColour(w);
                cells.Add(new Markup($"[{fg} on {bg}] {w.ToString("0.0000", CultureInfo.InvariantCulture)} [/]"));
            }
            table.AddRow(cells);
        }
        AnsiConsole.Write(table);
        AnsiConsole.WriteLine();
        AnsiConsole.MarkupLine($"[bold]a1[/] (token 1 over all tokens): {Format(run.A1)}");
        AnsiConsole.MarkupLine($"[bold]z1[/] (context vector of token 1): {Format(run.Z1)}");
        AnsiConsole.MarkupLine($"[bold]4-head output for token 1[/]: {Format(run.MultiHeadToken1)}");
    }

    private static string Format(Tensor t) =>
        "[[" + string.Join(", ", t.ToArray().Select(v => v.ToString("0.0000", CultureInfo.InvariantCulture))) + "]]";

    /// <summary>Viridis-like scale from dark purple (0) to yellow (1), with readable text on top.</summary>
    private static (string Background, string Foreground) HeatColour(float w)
    {
        ReadOnlySpan<(int R, int G, int B)> stops = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)];
        float x = Math.Clamp(w, 0f, 1f) * (stops.Length - 1);
        int i = Math.Min((int)x, stops.Length - 2);
        float f = x - i;
        int r = (int)(stops[i].R + f * (stops[i + 1].R - stops[i].R));
        int g = (int)(stops[i].G + f * (stops[i + 1].G - stops[i].G));
        int b = (int)(stops[i].B + f * (stops[i + 1].B - stops[i].B));
        return ($"#{r:x2}{g:x2}{b:x2}", w > 0.55f ? "black" : "white");
    }
}
