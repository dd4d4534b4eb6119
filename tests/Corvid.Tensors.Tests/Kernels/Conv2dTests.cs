using System.Text.Json;
using Corvid.Tensors.Kernels;

namespace Corvid.Tensors.Tests.Kernels;

public class Conv2dTests
{
    static readonly KernelFixtures Fixtures = KernelFixtures.Load("conv2d");

    public static IEnumerable<object[]> CaseNames() => KernelFixtures.Names("conv2d");

    /// <summary>The convolution a fixture case describes.</summary>
    internal static Conv2dGeometry Geometry(JsonElement c)
    {
        int I(string name) => c.GetProperty(name).GetInt32();
        return new Conv2dGeometry(I("batch"), I("inChannels"), I("inHeight"), I("inWidth"), I("outChannels"),
            I("kernelHeight"), I("kernelWidth"), I("strideH"), I("strideW"), I("padH"), I("padW"),
            I("dilationH"), I("dilationW"), I("groups"));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Output_size_follows_pytorch(string name)
    {
        var c = Fixtures.Case(name);
        var g = Geometry(c);
        Assert.Equal(c.GetProperty("outHeight").GetInt32(), g.OutHeight);
        Assert.Equal(c.GetProperty("outWidth").GetInt32(), g.OutWidth);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Forward_matches_pytorch(string name)
    {
        var c = Fixtures.Case(name);
        var g = Geometry(c);
        var output = new float[g.OutputLength];
        output.AsSpan().Fill(float.NaN); // overwritten, never read
        Conv2d.Forward(g, Fixtures.Array(c, "input"), Fixtures.Array(c, "weight"), Fixtures.Array(c, "bias"), output);
        Close.All(Fixtures.Array(c, "output"), output, what: name);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void BackwardInput_matches_pytorch(string name)
    {
        var c = Fixtures.Case(name);
        var g = Geometry(c);
        var gradInput = new float[g.InputLength];
        gradInput.AsSpan().Fill(float.NaN);
        Conv2d.BackwardInput(g, Fixtures.Array(c, "gradOutput"), Fixtures.Array(c, "weight"), gradInput);
        Close.All(Fixtures.Array(c, "gradInput"), gradInput, what: name);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void BackwardWeight_matches_pytorch(string name)
    {
        var c = Fixtures.Case(name);
        var g = Geometry(c);
        var gradWeight = new float[g.WeightLength];
        gradWeight.AsSpan().Fill(float.NaN);
        Conv2d.BackwardWeight(g, Fixtures.Array(c, "gradOutput"), Fixtures.Array(c, "input"), gradWeight);
        Close.All(Fixtures.Array(c, "gradWeight"), gradWeight, what: name);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void BackwardBias_matches_pytorch(string name)
    {
        var c = Fixtures.Case(name);
        var g = Geometry(c);
        var gradBias = new float[g.OutChannels];
        gradBias.AsSpan().Fill(float.NaN);
        Conv2d.BackwardBias(g, Fixtures.Array(c, "gradOutput"), gradBias);
        Close.All(Fixtures.Array(c, "gradBias"), gradBias, what: name);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Winograd_fixtures_take_the_winograd_path_and_others_do_not(string name)
    {
        // The winograd_ cases (and the older ResNet-like one, 3x3 stride 1 with 16+ channels) check F(2x2, 3x3)
        // against PyTorch: make sure they reach it (on AVX-512) and the other shapes keep their own paths.
        var g = Geometry(Fixtures.Case(name));
        bool winogradCase = name.StartsWith("winograd_", StringComparison.Ordinal) || name == "resnet_like_16to32";
        bool expected = winogradCase && System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated;
        Assert.Equal(expected, Winograd3x3.Applies(g));
        Assert.Equal(expected, Winograd3x3.AppliesToInputGradient(g));
    }

    [Fact]
    public unsafe void Winograd_weight_gradient_summed_over_several_blocks_matches_pytorch()
    {
        // 196 tiles in blocks of 48: four full blocks and a ragged one, each adding into the same sums.
        var c = Fixtures.Case("winograd_resnet_64x28x28");
        var g = Geometry(c);
        if (!Winograd3x3WeightGradient.Applies(g)) return; // no AVX-512: the path does not exist here
        var gradWeight = new float[g.WeightLength];
        gradWeight.AsSpan().Fill(float.NaN);
        fixed (float* dy = Fixtures.Array(c, "gradOutput"), x = Fixtures.Array(c, "input"), dw = gradWeight)
            Winograd3x3WeightGradient.Run(g, dy, x, dw, blockFloats: 16L * (64 + 64) * 48);
        Close.All(Fixtures.Array(c, "gradWeight"), gradWeight, what: "winograd_resnet_64x28x28 in blocks");
    }

    [Fact]
    public void Channels_not_divisible_by_groups_names_both_values()
    {
        var g = new Conv2dGeometry(1, 3, 4, 4, 4, 3, 3, 1, 1, 1, 1, 1, 1, Groups: 2);
        var ex = Assert.Throws<ArgumentException>(() => g.Validate());
        Assert.Contains("InChannels 3", ex.Message);
        Assert.Contains("Groups 2", ex.Message);
    }

    [Fact]
    public void Kernel_larger_than_padded_input_is_rejected()
    {
        var g = new Conv2dGeometry(1, 1, 2, 2, 1, 5, 5, 1, 1, 0, 0, 1, 1, 1);
        var ex = Assert.Throws<ArgumentException>(() => g.Validate());
        Assert.Contains("5x5", ex.Message);
    }

    [Fact]
    public void Zero_stride_is_rejected_by_name()
    {
        var g = new Conv2dGeometry(1, 1, 4, 4, 1, 3, 3, 0, 1, 0, 0, 1, 1, 1);
        var ex = Assert.Throws<ArgumentException>(() => g.Validate());
        Assert.Contains("StrideH", ex.Message);
    }

    [Fact]
    public void Wrong_weight_length_names_the_expected_shape()
    {
        var g = new Conv2dGeometry(1, 2, 4, 4, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        var ex = Assert.Throws<ArgumentException>(() =>
            Conv2d.Forward(g, new float[32], new float[10], [], new float[48]));
        Assert.Contains("weight has 10 elements", ex.Message);
        Assert.Contains("[3, 2, 3, 3]", ex.Message);
    }

    [Fact]
    public void Bias_of_wrong_length_is_rejected()
    {
        var g = new Conv2dGeometry(1, 2, 4, 4, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        var ex = Assert.Throws<ArgumentException>(() =>
            Conv2d.Forward(g, new float[32], new float[54], new float[2], new float[48]));
        Assert.Contains("bias has 2 elements", ex.Message);
    }

    [Fact]
    public void Empty_batch_gives_zero_weight_gradient()
    {
        var g = new Conv2dGeometry(0, 2, 4, 4, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        var gradWeight = new float[g.WeightLength];
        gradWeight.AsSpan().Fill(7f);
        Conv2d.BackwardWeight(g, [], [], gradWeight);
        Assert.All(gradWeight, v => Assert.Equal(0f, v));
    }
}
