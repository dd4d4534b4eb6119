using Corvid.Tensors;
using Corvid.Tensors.Autograd;

namespace Corvid.Nn;

/// <summary>Weight initialisations, as <c>torch.nn.init</c>; each fills a tensor in place and returns it.</summary>
public static class Init
{
    /// <summary>Fan-in and fan-out of a weight [out, in, *kernel] as PyTorch computes them.</summary>
    public static (int FanIn, int FanOut) Fans(Tensor weight)
    {
        if (weight.Rank < 2) throw new ArgumentException($"fan in and fan out need a tensor of rank ≥ 2, got shape [{string.Join(", ", weight.Shape.ToArray())}]");
        int receptive = 1;
        for (int d = 2; d < weight.Rank; d++) receptive *= weight.Shape[d];
        return (weight.Shape[1] * receptive, weight.Shape[0] * receptive);
    }

    public static Tensor Uniform(Tensor t, float low, float high, Generator? generator = null) =>
        Fill(t, Tensor.Uniform(t.Shape.ToArray(), low, high, generator));

    public static Tensor Normal(Tensor t, float mean = 0f, float std = 1f, Generator? generator = null)
    {
        Tensor values;
        using (GradMode.NoGrad()) values = Tensor.Randn(t.Shape.ToArray(), generator) * std + mean;
        return Fill(t, values);
    }

    public static Tensor Constant(Tensor t, float value) => Fill(t, Tensor.Full(t.Shape.ToArray(), value));

    public static Tensor Zeros(Tensor t) => Constant(t, 0f);

    public static Tensor Ones(Tensor t) => Constant(t, 1f);

    /// <summary>Kaiming (He) uniform with PyTorch's leaky-ReLU gain: bound = gain·√(3 / fan_in).</summary>
    public static Tensor KaimingUniform(Tensor t, float a = 0f, Generator? generator = null)
    {
        var (fanIn, _) = Fans(t);
        float gain = MathF.Sqrt(2f / (1f + a * a));
        float bound = fanIn == 0 ? 0f : gain * MathF.Sqrt(3f / fanIn);
        return Uniform(t, -bound, bound, generator);
    }

    public static Tensor KaimingNormal(Tensor t, float a = 0f, Generator? generator = null)
    {
        var (fanIn, _) = Fans(t);
        float std = fanIn == 0 ? 0f : MathF.Sqrt(2f / (1f + a * a)) / MathF.Sqrt(fanIn);
        return Normal(t, 0f, std, generator);
    }

    public static Tensor XavierUniform(Tensor t, float gain = 1f, Generator? generator = null)
    {
        var (fanIn, fanOut) = Fans(t);
        float bound = gain * MathF.Sqrt(6f / (fanIn + fanOut));
        return Uniform(t, -bound, bound, generator);
    }

    /// <summary>The initialisation PyTorch gives Linear and Conv layers: Kaiming uniform with a = √5, bias U(±1/√fan_in).</summary>
    public static void DefaultLayer(Tensor weight, Tensor? bias, Generator? generator = null)
    {
        KaimingUniform(weight, MathF.Sqrt(5f), generator);
        if (bias is null) return;
        var (fanIn, _) = Fans(weight);
        float bound = fanIn > 0 ? 1f / MathF.Sqrt(fanIn) : 0f;
        Uniform(bias, -bound, bound, generator);
    }

    private static Tensor Fill(Tensor t, Tensor values)
    {
        using (GradMode.NoGrad()) t.CopyFrom(values);
        return t;
    }
}
