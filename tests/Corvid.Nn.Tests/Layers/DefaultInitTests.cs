using System.Text.Json;
using Corvid.Tensors;

namespace Corvid.Nn.Tests.Layers;

/// <summary>
/// Corvid's default initialisation against PyTorch's (init.json from tools/nn_fixtures.py). Uniform
/// inits must stay within PyTorch's bound (computed by torch.nn.init's own helpers, so fan-in quirks
/// such as ConvTranspose's are PyTorch's), reach close to it, and have its standard deviation; normal
/// inits the same mean and deviation; constants the same values. Tolerances are six standard errors of
/// the sample statistic for the tensor's size: a wrong gain or fan (≥ 15% off) fails every case, while
/// a correct init passes for any seed.
/// </summary>
public class DefaultInitTests
{
    private static readonly JsonElement All = NnFixtures.Json("init.json");

    private static readonly Dictionary<string, Func<Generator, Module>> Builders = new()
    {
        ["linear"] = g => new Linear(256, 128, generator: g),
        ["conv1d_groups"] = g => new Conv1d(8, 512, 5, groups: 2, generator: g),
        ["conv2d"] = g => new Conv2d(16, 32, 3, generator: g),
        ["conv_transpose1d_groups"] = g => new ConvTranspose1d(64, 8, 7, groups: 4, generator: g),
        ["conv_transpose2d"] = g => new ConvTranspose2d(32, 16, 4, generator: g),
        ["embedding"] = g => new Embedding(1000, 64, generator: g),
        ["embedding_padding"] = g => new Embedding(100, 16, paddingIdx: 3, generator: g),
        ["layer_norm"] = _ => new LayerNorm(32),
        ["group_norm"] = _ => new GroupNorm(4, 32),
        ["batch_norm2d"] = _ => new BatchNorm2d(32),
    };

    public static IEnumerable<object[]> Cases() => All.EnumerateObject().Select(c => new object[] { c.Name });

    [Fact]
    public void Every_fixture_case_has_a_builder()
    {
        Assert.Equal(Cases().Select(c => (string)c[0]).Order(), Builders.Keys.Order());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Default_init_matches_pytorchs_distribution(string name)
    {
        var module = Builders[name](new Generator(20250501));
        var state = module.StateDict();
        var entries = All.GetProperty(name).GetProperty("entries");
        Assert.Equal(entries.EnumerateObject().Select(e => e.Name).Order(), state.Keys.Order());

        foreach (var entry in entries.EnumerateObject())
        {
            var e = entry.Value;
            var tensor = state[entry.Name];
            string what = $"{name}.{entry.Name}";
            Assert.Equal(e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()), tensor.Shape.ToArray());
            if (tensor.DType != DType.Float32)
            {
                Assert.Equal(0, tensor.ItemLong()); // num_batches_tracked
                continue;
            }
            var values = tensor.ToArray().Select(v => (double)v).ToArray();
            int n = values.Length;
            double mean = values.Average();
            double std = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (n - 1));
            double maxAbs = values.Max(Math.Abs);
            switch (e.GetProperty("distribution").GetString())
            {
                case "uniform":
                {
                    double bound = e.GetProperty("bound").GetDouble();
                    Assert.True(maxAbs <= bound * (1 + 1e-6), $"{what}: |value| {maxAbs} exceeds PyTorch's bound {bound}");
                    Assert.True(maxAbs >= bound * (1 - 5.0 / n), $"{what}: largest |value| {maxAbs} stays well inside the bound {bound}");
                    // U(−b, b) has std b/√3; the sample std's relative standard error is √((κ − 1)/4n) with kurtosis κ = 1.8.
                    double tolerance = 6 * Math.Sqrt(0.8 / (4.0 * n));
                    AssertRatio(bound / Math.Sqrt(3), std, tolerance, $"{what} std against the theoretical b/√3");
                    AssertRatio(e.GetProperty("std").GetDouble(), std, tolerance * Math.Sqrt(2), $"{what} std against PyTorch's sample");
                    Assert.True(Math.Abs(mean) <= 6 * bound / Math.Sqrt(3 * n), $"{what}: mean {mean} is far from 0");
                    break;
                }
                case "normal":
                {
                    // An embedding is N(0, 1) except its padding row, which is zero in both.
                    var rows = tensor.Shape[0];
                    if (e.GetProperty("padding_idx") is { ValueKind: JsonValueKind.Number } pad)
                    {
                        Assert.All(tensor.Select(0, pad.GetInt32()).ToArray(), v => Assert.Equal(0f, v));
                        values = Enumerable.Range(0, rows).Where(r => r != pad.GetInt32()).SelectMany(r => tensor.Select(0, r).ToArray()).Select(v => (double)v).ToArray();
                        n = values.Length;
                        mean = values.Average();
                        std = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (n - 1));
                    }
                    double tolerance = 6 * Math.Sqrt(2.0 / (4.0 * n)); // κ = 3
                    AssertRatio(1.0, std, tolerance, $"{what} std against N(0, 1)");
                    Assert.True(Math.Abs(mean) <= 6 / Math.Sqrt(n), $"{what}: mean {mean} is far from 0");
                    break;
                }
                default:
                {
                    double expected = e.GetProperty("min").GetDouble();
                    Assert.Equal(expected, e.GetProperty("max").GetDouble());
                    Assert.All(values, v => Assert.Equal(expected, v));
                    break;
                }
            }
        }
    }

    private static void AssertRatio(double expected, double actual, double tolerance, string what) =>
        Assert.True(Math.Abs(actual / expected - 1) <= tolerance, $"{what}: {actual} vs {expected} (tolerance {tolerance:P1})");

    [Fact]
    public void The_same_generator_seed_gives_the_same_weights()
    {
        var a = new Conv2d(3, 8, 3, generator: new Generator(5)).Weight.ToArray();
        var b = new Conv2d(3, 8, 3, generator: new Generator(5)).Weight.ToArray();
        var c = new Conv2d(3, 8, 3, generator: new Generator(6)).Weight.ToArray();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }
}
