using Corvid.Tensors;

namespace Corvid.Nn.Tests.Layers;

/// <summary>
/// Dropout follows the module's Training flag. PyTorch's random stream differs from ours, so the
/// training behaviour is checked by its definition: a p fraction zeroed, survivors scaled by 1/(1 − p),
/// and the gradient passing through the same mask.
/// </summary>
public class DropoutTests
{
    [Fact]
    public void Training_zeroes_about_p_and_scales_the_rest()
    {
        const int n = 100_000;
        const float p = 0.3f;
        var dropout = new Dropout(p, new Generator(3));
        var x = Tensor.Ones(n).RequiresGrad_();
        var y = dropout.Forward(x);
        var values = y.ToArray();
        double zeroFraction = values.Count(v => v == 0f) / (double)n;
        // Six binomial standard errors: √(p(1 − p)/n) ≈ 0.0014.
        Assert.InRange(zeroFraction, p - 6 * Math.Sqrt(p * (1 - p) / n), p + 6 * Math.Sqrt(p * (1 - p) / n));
        Assert.All(values.Where(v => v != 0f), v => Assert.Equal(1f / (1f - p), v, 6));

        y.Sum().Backward();
        Assert.Equal(values, x.Grad!.ToArray()); // d(sum)/dx is the mask itself
    }

    [Fact]
    public void Eval_mode_passes_the_input_through_and_follows_the_parent()
    {
        var model = new Sequential(new Linear(4, 4), new Dropout(0.9f));
        var x = Tensor.Randn([2, 4], new Generator(1));
        model.Eval();
        Assert.False(model[1].Training);
        Assert.Equal(model[0].Forward(x).ToArray(), model.Forward(x).ToArray());
        model.Train();
        Assert.True(model[1].Training);
        Assert.NotEqual(model[0].Forward(x).ToArray(), model.Forward(x).ToArray());
    }

    [Fact]
    public void Probabilities_zero_and_one_are_identity_and_all_zeros()
    {
        var x = Tensor.Randn([50], new Generator(2));
        Assert.Equal(x.ToArray(), new Dropout(0f).Forward(x).ToArray());
        Assert.All(new Dropout(1f).Forward(x).ToArray(), v => Assert.Equal(0f, v));
        Assert.Throws<ArgumentException>(() => new Dropout(1.5f));
    }
}
