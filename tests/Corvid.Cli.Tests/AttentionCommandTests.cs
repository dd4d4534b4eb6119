namespace Corvid.Cli.Tests;

public class AttentionCommandTests
{
    [Fact]
    public void Prints_the_articles_attention_weights_and_outputs_as_pytorch_computes_them()
    {
        var result = CorvidProcess.Run("attention");

        Assert.Equal(0, result.ExitCode);
        // a1 and the first entries of z1 and of the 4-head output, as the article's PyTorch code prints them.
        Assert.Contains("a1 (token 1 over all tokens): [0.5839, 0.0001, 0.0005, 0.0329, 0.3827]", result.StdOut);
        Assert.Contains("[2.2656, -0.0438, 0.0197", result.StdOut);
        Assert.Contains("[11.1806, 11.2682, 14.4613", result.StdOut);
        Assert.Contains("marcello", result.StdOut);
    }

    [Fact]
    public void Plot_option_writes_a_png_heatmap()
    {
        var path = Path.Combine(Path.GetTempPath(), $"corvid-attention-{Guid.NewGuid():N}.png");
        try
        {
            var result = CorvidProcess.Run("attention", "--plot", path);
            Assert.Equal(0, result.ExitCode);
            var bytes = File.ReadAllBytes(path);
            Assert.True(bytes.Length > 10_000, $"the heatmap is only {bytes.Length} bytes");
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Seed_option_uses_corvids_generator()
    {
        var result = CorvidProcess.Run("attention", "--seed", "7");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("seed 7", result.StdOut);
        Assert.DoesNotContain("[0.5839, 0.0001", result.StdOut);
    }
}
