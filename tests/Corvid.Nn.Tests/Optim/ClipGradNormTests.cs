using System.Text.Json;
using Corvid.Nn.Optim;
using Corvid.Tensors;

namespace Corvid.Nn.Tests.Optim;

/// <summary>clip_grad_norm_ against PyTorch: the returned total norm and the clipped gradients, for norms 1, 2, 3 and ∞.</summary>
public class ClipGradNormTests
{
    private const string File = "clip.safetensors";
    private static readonly string[] Names = ["a", "b", "c"];

    public static IEnumerable<object[]> Cases() => NnFixtures.Cases(File);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Total_norm_and_clipped_gradients_match_pytorch(string name)
    {
        var meta = NnFixtures.Meta(File, name);
        double maxNorm = meta.GetProperty("max_norm").GetDouble();
        var normNode = meta.GetProperty("norm_type");
        double normType = normNode.ValueKind == JsonValueKind.String ? double.PositiveInfinity : normNode.GetDouble();

        var parameters = Names.Select(n =>
        {
            var before = NnFixtures.Get(File, $"before.{n}");
            var p = Tensor.Zeros(before.Shape.ToArray()).RequiresGrad_();
            p.Grad = before.Clone();
            return p;
        }).Append(Tensor.Zeros(3).RequiresGrad_()).ToList(); // the last one has no gradient and is skipped

        float total = GradClipping.ClipGradNorm(parameters, maxNorm, normType);

        float expectedTotal = NnFixtures.Get(File, $"{name}.total_norm").Item();
        Assert.True(Math.Abs(total - expectedTotal) <= 1e-5 * expectedTotal, $"{name}: total norm {total}, PyTorch {expectedTotal}");
        for (int i = 0; i < Names.Length; i++)
            Numerics.AssertClose(NnFixtures.Get(File, $"{name}.after.{Names[i]}"), parameters[i].Grad!, 1e-5, 1e-7, $"{name} clipped gradient {Names[i]}");
        Assert.Null(parameters[^1].Grad);
    }

    [Fact]
    public void No_gradients_gives_zero_and_a_non_finite_norm_can_be_an_error()
    {
        Assert.Equal(0f, GradClipping.ClipGradNorm([Tensor.Zeros(2).RequiresGrad_()], 1.0));
        var p = Tensor.Zeros(2).RequiresGrad_();
        p.Grad = Tensor.FromArray([1f, float.PositiveInfinity]);
        var error = Assert.Throws<InvalidOperationException>(() => GradClipping.ClipGradNorm([p], 1.0, errorIfNonfinite: true));
        Assert.Contains("Infinity", error.Message);
    }

    [Fact]
    public void Clip_grad_value_clamps_each_element()
    {
        var p = Tensor.Zeros(4).RequiresGrad_();
        p.Grad = Tensor.FromArray([-3f, -0.5f, 0.25f, 9f]);
        GradClipping.ClipGradValue([p], 1.0);
        Assert.Equal(new[] { -1f, -0.5f, 0.25f, 1f }, p.Grad.ToArray());
    }
}
