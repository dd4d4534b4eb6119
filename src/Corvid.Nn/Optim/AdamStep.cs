using System.Numerics;
using System.Runtime.InteropServices;

namespace Corvid.Nn.Optim;

/// <summary>
/// Adam's per-element update over whole vectors at a time. Every element goes through exactly the
/// operations of the scalar form, in the same order and without fused multiply-adds, so the result is
/// bit-identical to it (and to the PyTorch trajectories the tests check).
/// </summary>
internal readonly struct AdamStep
{
    public required bool Maximize { get; init; }
    public required bool Decoupled { get; init; }
    public required bool CoupledDecay { get; init; }
    public required bool Amsgrad { get; init; }
    public required float Decay { get; init; }
    public required float Shrink { get; init; }
    public required float Beta1 { get; init; }
    public required float OneMinusBeta1 { get; init; }
    public required float Beta2 { get; init; }
    public required float OneMinusBeta2 { get; init; }
    public required float Bc2Sqrt { get; init; }
    public required float Eps { get; init; }
    public required float NegStepSize { get; init; }

    public void Apply(Span<float> param, ReadOnlySpan<float> grad, Span<float> expAvg, Span<float> expAvgSq, Span<float> maxExpAvgSq)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var p = MemoryMarshal.Cast<float, Vector<float>>(param);
            var gs = MemoryMarshal.Cast<float, Vector<float>>(grad);
            var m = MemoryMarshal.Cast<float, Vector<float>>(expAvg);
            var v = MemoryMarshal.Cast<float, Vector<float>>(expAvgSq);
            var mx = Amsgrad ? MemoryMarshal.Cast<float, Vector<float>>(maxExpAvgSq) : default;
            for (int k = 0; k < p.Length; k++)
            {
                var g = Maximize ? -gs[k] : gs[k];
                if (Decoupled) p[k] *= Shrink;
                else if (CoupledDecay) g += Decay * p[k];
                m[k] = m[k] * Beta1 + OneMinusBeta1 * g;
                v[k] = v[k] * Beta2 + OneMinusBeta2 * g * g;
                var second = v[k];
                if (Amsgrad) second = mx[k] = Vector.Max(mx[k], second);
                var denom = Vector.SquareRoot(second) / Bc2Sqrt + new Vector<float>(Eps);
                p[k] += NegStepSize * m[k] / denom;
            }
            i = p.Length * Vector<float>.Count;
        }
        for (; i < param.Length; i++)
        {
            float g = Maximize ? -grad[i] : grad[i];
            if (Decoupled) param[i] *= Shrink;
            else if (CoupledDecay) g += Decay * param[i];
            expAvg[i] = expAvg[i] * Beta1 + OneMinusBeta1 * g;
            expAvgSq[i] = expAvgSq[i] * Beta2 + OneMinusBeta2 * g * g;
            float second = expAvgSq[i];
            if (Amsgrad) second = maxExpAvgSq[i] = MathF.Max(maxExpAvgSq[i], second);
            float denom = MathF.Sqrt(second) / Bc2Sqrt + Eps;
            param[i] += NegStepSize * expAvg[i] / denom;
        }
    }
}
