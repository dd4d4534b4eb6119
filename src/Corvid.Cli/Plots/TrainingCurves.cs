using Corvid.Serving.Engine;

namespace Corvid.Cli;

/// <summary>The training loss by step and the test loss and accuracy by epoch, in one PNG.</summary>
internal static class TrainingCurves
{
    public static void Save(ClassifierTrainer.Result result, string path, string title)
    {
        var plot = new ScottPlot.Plot();
        var steps = result.StepLosses.Select(s => (double)s.Step).ToArray();
        var losses = result.StepLosses.Select(s => s.Loss).ToArray();
        var raw = plot.Add.ScatterLine(steps, losses);
        raw.LegendText = "train loss (step)";
        raw.Color = ScottPlot.Colors.SteelBlue.WithAlpha(0.35);
        var smooth = plot.Add.ScatterLine(steps, MovingAverage(losses, Math.Max(1, losses.Length / 50)));
        smooth.LegendText = "train loss (moving average)";
        smooth.Color = ScottPlot.Colors.SteelBlue;
        smooth.LineWidth = 2;
        var epochSteps = result.Epochs.Select(e => (double)e.Step).ToArray();
        var testLoss = plot.Add.Scatter(epochSteps, result.Epochs.Select(e => e.TestLoss).ToArray());
        testLoss.LegendText = "test loss (epoch)";
        testLoss.Color = ScottPlot.Colors.DarkOrange;
        testLoss.MarkerSize = 8;
        var accuracy = plot.Add.Scatter(epochSteps, result.Epochs.Select(e => e.TestAccuracy * 100).ToArray());
        accuracy.LegendText = "test accuracy % (epoch)";
        accuracy.Color = ScottPlot.Colors.SeaGreen;
        accuracy.MarkerSize = 8;
        accuracy.Axes.YAxis = plot.Axes.Right;
        plot.Axes.Bottom.Label.Text = "optimizer step";
        plot.Axes.Left.Label.Text = "cross-entropy loss";
        plot.Axes.Right.Label.Text = "test accuracy (%)";
        plot.Title(title);
        plot.ShowLegend(ScottPlot.Alignment.MiddleRight);

        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp.png");
        plot.SavePng(temp, 800, 500);
        File.Move(temp, full, overwrite: true);
    }

    private static double[] MovingAverage(double[] values, int window)
    {
        var result = new double[values.Length];
        double sum = 0;
        for (var i = 0; i < values.Length; i++)
        {
            sum += values[i];
            if (i >= window) sum -= values[i - window];
            result[i] = sum / Math.Min(i + 1, window);
        }
        return result;
    }
}
