using Corvid.Tensors;
using Corvid.Tensors.Autograd;

namespace Corvid.Nn.Optim;

/// <summary>Gradient clipping, as <c>torch.nn.utils.clip_grad_norm_</c> and <c>clip_grad_value_</c>.</summary>
public static class GradClipping
{
    /// <summary>
    /// Scales all gradients together so that their combined <paramref name="normType"/>-norm is at most
    /// <paramref name="maxNorm"/> (by max_norm / (total + 1e-6) when above it), and returns the total norm
    /// before clipping. Parameters without a gradient are skipped. <c>double.PositiveInfinity</c> gives the max-norm.
    /// </summary>
    public static float ClipGradNorm(IEnumerable<Tensor> parameters, double maxNorm, double normType = 2.0, bool errorIfNonfinite = false)
    {
        if (normType <= 0 || double.IsNaN(normType))
            throw new ArgumentException($"clip_grad_norm: norm type must be positive (or infinity), got {normType}");
        var grads = parameters.Select(p => p.Grad).OfType<Tensor>().ToList();
        if (grads.Count == 0) return 0f;

        // Each gradient's norm, then the norm of those norms, as PyTorch does (so it matches to rounding).
        var norms = grads.Select(g => Norm(g.Contiguous().AsSpan(), normType)).ToArray();
        float total = Norm(norms, normType);
        if (errorIfNonfinite && !float.IsFinite(total))
            throw new InvalidOperationException($"clip_grad_norm: the total norm of order {normType} of the gradients is {total}; pass errorIfNonfinite: false to clip anyway");

        float coefficient = MathF.Min((float)maxNorm / (total + 1e-6f), 1f);
        using (GradMode.NoGrad())
            foreach (var g in grads) g.CopyFrom(g * coefficient);
        return total;
    }

    /// <summary>Clamps every gradient element into [−clipValue, clipValue].</summary>
    public static void ClipGradValue(IEnumerable<Tensor> parameters, double clipValue)
    {
        float c = (float)clipValue;
        using (GradMode.NoGrad())
            foreach (var g in parameters.Select(p => p.Grad).OfType<Tensor>()) g.CopyFrom(g.Clamp(-c, c));
    }

    private static float Norm(ReadOnlySpan<float> values, double normType)
    {
        if (double.IsPositiveInfinity(normType))
        {
            float max = 0f;
            foreach (var v in values) max = float.IsNaN(v) ? v : MathF.Max(max, MathF.Abs(v));
            return max;
        }
        double sum = 0;
        if (normType == 2) foreach (var v in values) sum += (double)v * v;
        else if (normType == 1) foreach (var v in values) sum += Math.Abs(v);
        else foreach (var v in values) sum += Math.Pow(Math.Abs(v), normType);
        return (float)(normType == 2 ? Math.Sqrt(sum) : normType == 1 ? sum : Math.Pow(sum, 1 / normType));
    }
}
