using Corvid.Tensors.Autograd;
using Corvid.Tensors.Kernels;

namespace Corvid.Tensors;

public static partial class F
{
    /// <summary>
    /// Batch norm with the running statistics (evaluation): y = x·scale[c] + shift[c] with
    /// scale = weight / sqrt(running_var + eps) and shift = bias − running_mean·scale, as PyTorch's
    /// CPU kernel computes it, in one pass over x instead of four broadcast passes.
    /// </summary>
    private static Tensor BatchNormEval(Tensor x, Tensor runningMean, Tensor runningVar, Tensor? weight, Tensor? bias, float eps)
    {
        int c = x.shape[1];
        CheckChannelVector("running_mean", runningMean, c, x);
        CheckChannelVector("running_var", runningVar, c, x);
        if (weight is not null) CheckChannelVector("weight", weight, c, x);
        if (bias is not null) CheckChannelVector("bias", bias, c, x);

        bool record = GradMode.IsEnabled && (x.RequiresGrad || weight is { RequiresGrad: true } || bias is { RequiresGrad: true });
        if (record)
        {
            // The per-channel scale and shift as [C] tensors, so gradients reach weight and bias through them.
            var scale = (runningVar.Detach() + eps).Rsqrt();
            if (weight is not null) scale *= weight;
            var shift = -(runningMean.Detach() * scale);
            if (bias is not null) shift += bias;
            return ChannelAffine(x, scale, shift);
        }

        var mean = runningMean.ToArray();
        var variance = runningVar.ToArray();
        var w = weight?.ToArray();
        var b = bias?.ToArray();
        var scales = new float[c];
        var shifts = new float[c];
        for (int i = 0; i < c; i++)
        {
            float s = 1f / MathF.Sqrt(variance[i] + eps);
            if (w is not null) s *= w[i];
            scales[i] = s;
            shifts[i] = (b is null ? 0f : b[i]) - mean[i] * s;
        }
        return ChannelAffine(x, Tensor.FromArray(scales), Tensor.FromArray(shifts));
    }

    private static void CheckChannelVector(string name, Tensor t, int channels, Tensor x)
    {
        if (t.Numel != channels)
            throw new ArgumentException($"batch_norm: {name} has {t.Numel} values (shape {ShapeMath.Format(t.shape)}), the input has {channels} channels (shape {ShapeMath.Format(x.shape)})");
        t.RequireDType(DType.Float32, $"batch_norm ({name})");
    }

    /// <summary>
    /// y[n, c, …] = x[n, c, …]·scale[c] + shift[c] for x [N, C, …] and [C] scale and shift, in one pass
    /// (parallel over the N·C planes). Differentiable in all three, with a backward made of
    /// differentiable ops (itself for x, sums for scale and shift), so higher orders work too.
    /// </summary>
    internal static Tensor ChannelAffine(Tensor x, Tensor scale, Tensor? shift)
    {
        if (x.Rank < 2) throw new ArgumentException($"channel_affine: expected input [N, C, …], got shape {ShapeMath.Format(x.shape)}");
        x.RequireDType(DType.Float32, "channel_affine");
        int n = x.shape[0], c = x.shape[1];
        int inner = c == 0 || n == 0 ? 0 : x.Numel / (n * c);
        var xc = x.Contiguous();
        var sc = scale.Contiguous();
        var tc = (shift ?? Tensor.Zeros(c)).Contiguous();
        var y = Tensor.Empty(x.shape);
        if (y.Numel > 0)
        {
            unsafe
            {
                fixed (float* xp = &xc.F[xc.Offset], yp = y.F, sp = &sc.F[sc.Offset], tp = &tc.F[tc.Offset])
                    ChannelAffineKernel.Apply(xp, yp, sp, tp, n, c, inner, relu: false);
            }
        }
        var dims = Enumerable.Range(0, x.Rank).Where(d => d != 1).ToArray();
        BackwardFunction backward = (g, needs) =>
        [
            needs[0] ? ChannelAffine(g, scale, null) : null,
            needs[1] ? (g * x).Sum(dims) : null,
            shift is not null && needs[2] ? g.Sum(dims) : null,
        ];
        return shift is null
            ? Graph.Record("ChannelAffineBackward", y, backward, x, scale)
            : Graph.Record("ChannelAffineBackward", y, backward, x, scale, shift);
    }
}
