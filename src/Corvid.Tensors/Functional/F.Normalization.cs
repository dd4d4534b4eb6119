using Corvid.Tensors.Autograd;

namespace Corvid.Tensors;

public static partial class F
{
    /// <summary>Normalises over the trailing <paramref name="normalizedShape"/> dims (biased variance), then scales and shifts.</summary>
    public static Tensor LayerNorm(Tensor x, int[] normalizedShape, Tensor? weight = null, Tensor? bias = null, float eps = 1e-5f)
    {
        int k = normalizedShape.Length;
        if (k == 0 || k > x.Rank || !x.shape.AsSpan(x.Rank - k).SequenceEqual(normalizedShape))
            throw new ArgumentException($"layer_norm: normalized shape {ShapeMath.Format(normalizedShape)} does not match the end of input shape {ShapeMath.Format(x.shape)}");
        return LayerNormRows(x, normalizedShape, weight, bias, eps);
    }

    /// <summary>
    /// Batch normalisation over x [N, C, …]. Training uses the batch's statistics and updates the
    /// running ones (unbiased variance, as PyTorch); evaluation uses the running statistics.
    /// </summary>
    public static Tensor BatchNorm(Tensor x, Tensor? runningMean, Tensor? runningVar, Tensor? weight = null, Tensor? bias = null,
        bool training = false, float momentum = 0.1f, float eps = 1e-5f)
    {
        if (x.Rank < 2) throw new ArgumentException($"batch_norm: expected input [N, C, …], got shape {ShapeMath.Format(x.shape)}");
        if (training) return BatchNormTraining(x, runningMean, runningVar, weight, bias, momentum, eps);
        if (runningMean is null || runningVar is null)
            throw new ArgumentException("batch_norm: evaluation mode needs running mean and variance");
        return BatchNormEval(x, runningMean, runningVar, weight, bias, eps);
    }

    /// <summary>Normalises x [N, C, …] within each of <paramref name="groups"/> channel groups, then scales per channel.</summary>
    public static Tensor GroupNorm(Tensor x, int groups, Tensor? weight = null, Tensor? bias = null, float eps = 1e-5f)
    {
        if (x.Rank < 2) throw new ArgumentException($"group_norm: expected input [N, C, …], got shape {ShapeMath.Format(x.shape)}");
        int n = x.shape[0], c = x.shape[1];
        if (groups <= 0 || c % groups != 0)
            throw new ArgumentException($"group_norm: {c} channels are not divisible into {groups} groups");
        var grouped = x.Reshape(n, groups, -1);
        var mean = grouped.Mean(2, keepDim: true);
        var centered = grouped - mean;
        var variance = (centered * centered).Mean(2, keepDim: true);
        var y = (centered * (variance + eps).Rsqrt()).Reshape(x.shape.ToArray());
        var statShape = Enumerable.Range(0, x.Rank).Select(d => d == 1 ? c : 1).ToArray();
        return Affine(y, weight, bias, statShape);
    }

    private static Tensor Affine(Tensor y, Tensor? weight, Tensor? bias, int[] statShape)
    {
        if (weight is not null) y *= weight.Reshape(statShape);
        if (bias is not null) y += bias.Reshape(statShape);
        return y;
    }
}
