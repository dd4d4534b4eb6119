using Corvid.Tensors.Autograd;
using Corvid.Tensors.Kernels;

namespace Corvid.Tensors;

public static partial class F
{
    public static Tensor Relu(Tensor x) => x.Relu();
    public static Tensor Tanh(Tensor x) => x.Tanh();
    public static Tensor Sigmoid(Tensor x) => x.Sigmoid();
    public static Tensor Softmax(Tensor x, int dim) => x.Softmax(dim);
    public static Tensor LogSoftmax(Tensor x, int dim) => x.LogSoftmax(dim);

    /// <summary>GELU: exact <c>x·Φ(x)</c> (approximate "none") or the tanh approximation ("tanh").</summary>
    public static Tensor Gelu(Tensor x, string approximate = "none") => approximate switch
    {
        "none" => GeluExact(x),
        "tanh" => 0.5f * x * (1f + (MathF.Sqrt(2f / MathF.PI) * (x + 0.044715f * x * x * x)).Tanh()),
        _ => throw new ArgumentException($"gelu: unknown approximation '{approximate}' (expected 'none' or 'tanh')"),
    };

    /// <summary>
    /// x·Φ(x) in one vectorised pass, its gradient g·(Φ(x) + x·φ(x)) in another. Under create-graph the
    /// gradient is built from differentiable ops instead, so it can be differentiated again.
    /// </summary>
    private static Tensor GeluExact(Tensor x)
    {
        var y = Tensor.PointwiseMap<GeluOp>(x, x, "gelu");
        return Graph.Record("GeluBackward", y, (g, _) =>
        {
            if (!GradMode.IsEnabled) return [Tensor.PointwiseMap<GeluBackwardOp>(g, x, "gelu_backward")];
            var cdf = 0.5f * (1f + (x * (1f / MathF.Sqrt(2f))).Erf());
            var pdf = (x * x * -0.5f).Exp() * (1f / MathF.Sqrt(2f * MathF.PI));
            return [g * (cdf + x * pdf)];
        }, x);
    }

    /// <summary>SiLU (swish): x·sigmoid(x).</summary>
    public static Tensor Silu(Tensor x) => x * x.Sigmoid();

    /// <summary>ELU: x for x &gt; 0, α(eˣ − 1) otherwise.</summary>
    public static Tensor Elu(Tensor x, float alpha = 1f) => Tensor.Where(x.Gt(0f), x, alpha * (x.Clamp(max: 0f).Exp() - 1f));

    public static Tensor LeakyRelu(Tensor x, float negativeSlope = 0.01f) => Tensor.Where(x.Gt(0f), x, x * negativeSlope);

    /// <summary>log(1 + eˣ), computed stably; linear above <paramref name="threshold"/> as in PyTorch.</summary>
    public static Tensor Softplus(Tensor x, float threshold = 20f) =>
        Tensor.Where(x.Gt(threshold), x, x.Clamp(max: threshold).Exp().Add(Tensor.Scalar(1f)).Log());

    /// <summary>Zeroes each element with probability p and scales the rest by 1/(1−p); identity when not training.</summary>
    public static Tensor Dropout(Tensor x, float p = 0.5f, bool training = true, Generator? generator = null)
    {
        if (p < 0 || p > 1) throw new ArgumentException($"dropout: probability must be in [0, 1], got {p}");
        if (!training || p == 0f) return x;
        if (p == 1f) return x * 0f;
        Tensor mask;
        using (GradMode.NoGrad()) mask = Tensor.Rand(x.shape.ToArray(), generator).Ge(p).Float() * (1f / (1f - p));
        return x * mask;
    }
}
