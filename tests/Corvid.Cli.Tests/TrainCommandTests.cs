using System.Text.RegularExpressions;
using Corvid.Serving.Engine;
using Corvid.Serving.Models;
using Corvid.Serving.Runtimes;

namespace Corvid.Cli.Tests;

/// <summary><c>corvid train</c> as a user runs it, on a small IDX data set the test writes (no dataset install needed).</summary>
public class TrainCommandTests
{
    /// <summary>Two classes a CNN learns in a few steps: a bright upper half (label 0) or a bright lower half (label 1).</summary>
    private static string WriteHalves(int count)
    {
        var dir = Path.Combine(Path.GetTempPath(), "corvid-tests", $"halves-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        var random = new Random(7);
        var pixels = new byte[count * 28 * 28];
        var labels = new byte[count];
        for (var i = 0; i < count; i++)
        {
            labels[i] = (byte)(i % 2);
            for (var y = 0; y < 28; y++)
            {
                var bright = (y < 14) == (labels[i] == 0);
                for (var x = 0; x < 28; x++) pixels[i * 784 + y * 28 + x] = (byte)((bright ? 150 : 30) + random.Next(60));
            }
        }
        File.WriteAllBytes(Path.Combine(dir, "halves-images-idx3-ubyte"), new IdxFile([count, 28, 28], pixels).ToBytes());
        File.WriteAllBytes(Path.Combine(dir, "halves-labels-idx1-ubyte"), new IdxFile([count], labels).ToBytes());
        return dir;
    }

    [Fact]
    public void Training_a_few_steps_lowers_the_loss_and_writes_a_folder_the_corvid_runtime_serves()
    {
        var data = WriteHalves(60);
        var output = Path.Combine(data, "models", "halves");
        var result = CorvidProcess.Run("train", "--data", data, "--train-split", "halves", "--test-split", "halves",
            "--epochs", "3", "--batch-size", "10", "--lr", "0.003", "--seed", "4", "--threads", "1", "-o", output);

        Assert.True(result.ExitCode == 0, result.StdErr + result.StdOut);
        var losses = Regex.Matches(result.StdOut, @"│ (\d) +│ +(\d+) +│ ([\d.]+) ").Select(m => double.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(3, losses.Count);
        Assert.True(losses[2] < losses[0], $"train loss by epoch: {string.Join(", ", losses)}");
        Assert.Contains("Test accuracy", result.StdOut);

        Assert.Equal(["labels.txt", "manifest.json", "model.json", "model.safetensors", "training.png"], Directory.GetFiles(output).Select(Path.GetFileName).Order());
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(Path.Combine(output, "training.png"))[..4]);
        var package = ModelPackage.FromDirectory(output);
        Assert.Equal("halves", package.Manifest.Name);
        using var model = ModelRuntimes.Default().Get(package.Manifest.Runtime).Load(package);
        Assert.Equal("image FP32 [-1,1,28,28]", model.Inputs[0].ToString());
    }

    [Fact]
    public void A_file_that_is_not_IDX_fails_naming_the_file()
    {
        var data = WriteHalves(4);
        File.WriteAllText(Path.Combine(data, "halves-labels-idx1-ubyte"), "label,image\n1,a.png\n");
        var result = CorvidProcess.Run("train", "--data", data, "--train-split", "halves", "-o", Path.Combine(data, "out"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("halves-labels-idx1-ubyte' starts with 0x6C61", result.StdErr);
        Assert.Contains("not an IDX file", result.StdErr);
        Assert.False(Directory.Exists(Path.Combine(data, "out")));
    }

    [Fact]
    public void A_missing_data_set_names_the_file_it_looked_for()
    {
        var empty = Path.Combine(Path.GetTempPath(), "corvid-tests", $"empty-{Guid.NewGuid():N}");
        Directory.CreateDirectory(empty);
        var result = CorvidProcess.Run("train", "--data", empty, "-o", Path.Combine(empty, "out"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("train-images-idx3-ubyte", result.StdErr);
        Assert.Contains("does not exist", result.StdErr);
    }
}
