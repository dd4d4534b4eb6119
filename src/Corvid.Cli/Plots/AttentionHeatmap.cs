using Corvid.Nn;

namespace Corvid.Cli;

/// <summary>Draws the walk-through's attention weights as a labelled heatmap (PNG or SVG by extension).</summary>
internal static class AttentionHeatmap
{
    public static void Save(AttentionWalkthrough run, string path)
    {
        int n = run.Words.Length;
        var weights = run.Weights.ToArray();
        // ScottPlot draws row 0 of the data at the top.
        var data = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) data[i, j] = weights[i * n + j];

        var plot = new ScottPlot.Plot();
        var heatmap = plot.Add.Heatmap(data);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        plot.Add.ColorBar(heatmap);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                var label = plot.Add.Text(weights[i * n + j].ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), j, n - 1 - i);
                label.LabelFontColor = weights[i * n + j] > 0.55 ? ScottPlot.Colors.Black : ScottPlot.Colors.White;
                label.LabelAlignment = ScottPlot.Alignment.MiddleCenter;
            }
        var ticks = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.SetTicks(ticks, run.Words);
        plot.Axes.Left.SetTicks(ticks, run.Words.Reverse().ToArray());
        plot.Axes.Bottom.Label.Text = "key token";
        plot.Axes.Left.Label.Text = "query token";
        plot.Title("Self-attention weights: \"my name is marcello politi\"");

        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp{Path.GetExtension(full)}");
        if (string.Equals(Path.GetExtension(full), ".svg", StringComparison.OrdinalIgnoreCase)) plot.SaveSvg(temp, 640, 520);
        else plot.SavePng(temp, 640, 520);
        File.Move(temp, full, overwrite: true);
    }
}
