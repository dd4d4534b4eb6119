using System.Runtime.Intrinsics;

namespace Corvid.Tensors.Kernels;

/// <summary>Exact GELU, x·Φ(x) = x·(1 + erf(x/√2))/2 (a is x; b is ignored).</summary>
internal struct GeluOp : IPointwiseOp
{
    const float Half = 0.5f, InvSqrt2 = 0.70710678118654752f;

    public static Vector512<float> Apply(Vector512<float> x, Vector512<float> _) =>
        Half * x * (Vector512<float>.One + Erf.Compute(x * InvSqrt2));

    public static Vector256<float> Apply(Vector256<float> x, Vector256<float> _) =>
        Half * x * (Vector256<float>.One + Erf.Compute(x * InvSqrt2));

    public static float Apply(float x, float _) => Half * x * (1f + Erf.Compute(x * InvSqrt2));
}

/// <summary>GELU's input gradient g·(Φ(x) + x·φ(x)) (a is g, b is x).</summary>
internal struct GeluBackwardOp : IPointwiseOp
{
    const float Half = 0.5f, InvSqrt2 = 0.70710678118654752f, InvSqrt2Pi = 0.39894228040143268f;

    public static Vector512<float> Apply(Vector512<float> g, Vector512<float> x)
    {
        var cdf = Half * (Vector512<float>.One + Erf.Compute(x * InvSqrt2));
        var pdf = Vector512.Exp(-Half * x * x) * InvSqrt2Pi;
        return g * Vector512.FusedMultiplyAdd(x, pdf, cdf);
    }

    public static Vector256<float> Apply(Vector256<float> g, Vector256<float> x)
    {
        var cdf = Half * (Vector256<float>.One + Erf.Compute(x * InvSqrt2));
        var pdf = Vector256.Exp(-Half * x * x) * InvSqrt2Pi;
        return g * Vector256.MultiplyAddEstimate(x, pdf, cdf);
    }

    public static float Apply(float g, float x)
    {
        float cdf = Half * (1f + Erf.Compute(x * InvSqrt2));
        float pdf = MathF.Exp(-Half * x * x) * InvSqrt2Pi;
        return g * MathF.FusedMultiplyAdd(x, pdf, cdf);
    }
}

/// <summary>ReLU's input gradient: g where x &gt; 0, else 0 (a is g, b is x). As PyTorch's threshold_backward, a NaN x lets g through.</summary>
internal struct ReluBackwardOp : IPointwiseOp
{
    public static Vector512<float> Apply(Vector512<float> g, Vector512<float> x) =>
        Vector512.ConditionalSelect(Vector512.LessThanOrEqual(x, Vector512<float>.Zero), Vector512<float>.Zero, g);

    public static Vector256<float> Apply(Vector256<float> g, Vector256<float> x) =>
        Vector256.ConditionalSelect(Vector256.LessThanOrEqual(x, Vector256<float>.Zero), Vector256<float>.Zero, g);

    public static float Apply(float g, float x) => x <= 0f ? 0f : g;
}
