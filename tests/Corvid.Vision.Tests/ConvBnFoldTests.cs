using Corvid.Tensors;
using Corvid.Tensors.Autograd;

namespace Corvid.Vision.Tests;

/// <summary>
/// In eval mode without gradients ResNet18 runs each conv+BN pair as one folded convolution; with
/// gradients for the parameters it runs them apart. Both must compute the same network, also after a
/// weight or a running statistic changes in place (the fold is cached and must notice).
/// </summary>
public sealed class ConvBnFoldTests
{
    private static ResNet18 Model()
    {
        var model = new ResNet18(ResNet18Config.Featurizer);
        var gen = new Generator(7);
        // Running statistics and affine parameters away from the defaults, so the fold has work to do.
        foreach (var (name, t) in model.StateDict())
        {
            if (name.EndsWith("running_mean", StringComparison.Ordinal) || name.EndsWith("bias", StringComparison.Ordinal))
                t.CopyFrom(Tensor.Randn(t.Shape.ToArray(), gen) * 0.1f);
            else if (name.EndsWith("running_var", StringComparison.Ordinal) || name.EndsWith("bn1.weight", StringComparison.Ordinal) || name.EndsWith("bn2.weight", StringComparison.Ordinal))
                t.CopyFrom(Tensor.Rand(t.Shape.ToArray(), gen) + 0.5f);
        }
        model.Eval();
        return model;
    }

    private static float[] Unfolded(ResNet18 model, Tensor x) => model.Forward(x).ToArray(); // parameters require grad: no fold

    private static float[] Folded(ResNet18 model, Tensor x)
    {
        using (GradMode.NoGrad()) return model.Forward(x).ToArray();
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        float scale = expected.Max(MathF.Abs);
        float worst = expected.Zip(actual, (e, a) => MathF.Abs(e - a)).Max();
        Assert.True(worst <= 1e-4f * scale, $"{what}: max |folded − unfolded| = {worst} over values up to {scale}");
    }

    [Fact]
    public void The_folded_network_computes_the_unfolded_one_and_follows_in_place_changes()
    {
        var model = Model();
        var x = Tensor.Randn([2, 3, 64, 64], new Generator(8));
        var before = Folded(model, x);
        AssertClose(Unfolded(model, x), before, "fresh model");

        // An in-place change to a running statistic and to a convolution weight (as LoadStateDict or an optimizer makes).
        var state = model.StateDict();
        state["layer1.0.bn1.running_mean"].CopyFrom(Tensor.Ones(64));
        state["layer3.1.conv2.weight"].CopyFrom(state["layer3.1.conv2.weight"] * 1.5f);
        var after = Folded(model, x);
        Assert.True(before.Zip(after, (a, b) => MathF.Abs(a - b)).Max() > 1e-3f, "the folded output did not change after the weights did: a stale fold");
        AssertClose(Unfolded(model, x), after, "after in-place changes");
    }
}
