namespace Corvid.Tensors;

/// <summary>How a loss combines its per-element values.</summary>
public enum Reduction
{
    Mean,
    Sum,
    None,
}

public static partial class F
{
    private static Tensor Reduce(Tensor loss, Reduction reduction) => reduction switch
    {
        Reduction.Mean => loss.Mean(),
        Reduction.Sum => loss.Sum(),
        _ => loss,
    };

    /// <summary>
    /// Cross-entropy of logits [N, C] (or [N, C, d…]) against int64 class indices [N] (or [N, d…]),
    /// with PyTorch's class weights, ignore index and label smoothing (normalised the same way).
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor target, Tensor? weight = null, int ignoreIndex = -100,
        Reduction reduction = Reduction.Mean, float labelSmoothing = 0f)
    {
        if (target.DType != DType.Int64)
            throw new ArgumentException($"cross_entropy: target must be int64 class indices, got {target.DType.Name()} with shape {ShapeMath.Format(target.shape)}");
        if (logits.Rank < 1)
            throw new ArgumentException($"cross_entropy: logits need a class dim, got shape {ShapeMath.Format(logits.shape)}");
        if (labelSmoothing < 0 || labelSmoothing > 1)
            throw new ArgumentException($"cross_entropy: label smoothing must be in [0, 1], got {labelSmoothing}");

        // Bring the class dim last and flatten the rest: [M, C] against [M].
        int classDim = logits.Rank == 1 ? 0 : 1;
        int c = logits.shape[classDim];
        var expectedTarget = logits.shape.Where((_, i) => i != classDim).ToArray();
        if (!target.shape.AsSpan().SequenceEqual(expectedTarget))
            throw new ArgumentException($"cross_entropy: target shape {ShapeMath.Format(target.shape)} does not match logits shape {ShapeMath.Format(logits.shape)} (expected {ShapeMath.Format(expectedTarget)})");
        if (weight is not null && (weight.Rank != 1 || weight.shape[0] != c))
            throw new ArgumentException($"cross_entropy: weight has shape {ShapeMath.Format(weight.shape)}, expected [{c}]");
        var labels = target.Reshape(-1);

        var safeLabels = labels.ToLongArray();
        bool anyIgnored = false;
        for (int i = 0; i < safeLabels.Length; i++)
        {
            if (safeLabels[i] == ignoreIndex)
            {
                safeLabels[i] = 0;
                anyIgnored = true;
            }
            else if (safeLabels[i] < 0 || safeLabels[i] >= c)
            {
                throw new ArgumentException($"cross_entropy: target {safeLabels[i]} at position {i} is out of range for {c} classes");
            }
        }
        if (weight is null && labelSmoothing == 0f && logits.Rank == 2 && logits.DType == DType.Float32 && safeLabels.Length > 0 && c > 0)
        {
            // The language-model case (class indices, no weights or smoothing): one op, one pass per row each way.
            var ignored = anyIgnored ? labels.ToLongArray().Select(t => t == ignoreIndex).ToArray() : null;
            return FusedCrossEntropy.Apply(logits, safeLabels, ignored, reduction, () => Composite(logits));
        }
        return Composite(logits);

        // log_softmax, gather and reductions as ordinary ops: every other case, and the fused op's differentiable backward.
        Tensor Composite(Tensor input)
        {
            var flat = input.Rank <= 2 ? input.Reshape(-1, c) : input.Movedim(1, -1).Reshape(-1, c);
            var index = Tensor.FromArray(safeLabels, safeLabels.Length, 1);
            // Per-sample weights: the class weight of the target, 0 where the target is ignored.
            Tensor? kept = anyIgnored ? labels.Ne(ignoreIndex).Float() : null;
            Tensor? w = weight is null ? kept : kept is null ? weight.IndexSelect(0, index.Reshape(-1)) : weight.IndexSelect(0, index.Reshape(-1)) * kept;

            var logp = flat.LogSoftmax(1);
            var picked = -logp.Gather(1, index).Reshape(-1);
            var nll = w is null ? picked : picked * w;

            Tensor? smooth = null;
            if (labelSmoothing > 0)
            {
                var perClass = weight is null ? logp : logp * weight;
                smooth = -perClass.Sum(1);
                if (kept is not null) smooth *= kept;
            }

            Tensor Combine(Tensor nllPart, Tensor? smoothPart) =>
                smoothPart is null ? nllPart : (1 - labelSmoothing) * nllPart + smoothPart * (labelSmoothing / c);

            // The mean divides by the summed weights (the count of kept targets without class weights), as PyTorch.
            Tensor Normalised(Tensor summed) => w is null ? summed / safeLabels.Length : summed / w.Sum();

            return reduction switch
            {
                Reduction.Mean => Combine(Normalised(nll.Sum()), smooth is null ? null : Normalised(smooth.Sum())),
                Reduction.Sum => Combine(nll.Sum(), smooth?.Sum()),
                _ => Combine(nll, smooth).Reshape(target.shape.ToArray()),
            };
        }
    }

    /// <summary>Negative log-likelihood of log-probabilities [N, C] against int64 targets [N].</summary>
    public static Tensor NllLoss(Tensor logProbs, Tensor target, Reduction reduction = Reduction.Mean)
    {
        var picked = -logProbs.Gather(1, target.Reshape(-1, 1)).Reshape(-1);
        return Reduce(picked, reduction);
    }

    /// <summary>Sigmoid + binary cross-entropy in one stable expression, with optional weight and positive-class weight.</summary>
    public static Tensor BinaryCrossEntropyWithLogits(Tensor logits, Tensor target, Tensor? weight = null, Tensor? posWeight = null, Reduction reduction = Reduction.Mean)
    {
        if (!ShapeMath.SameShape(logits.shape, target.shape))
            throw new ArgumentException($"binary_cross_entropy_with_logits: target shape {ShapeMath.Format(target.shape)} differs from input shape {ShapeMath.Format(logits.shape)}");
        // log(1 + e^-x) written so that it never overflows: m + log(e^-m + e^(-x-m)) with m = max(-x, 0),
        // the same expression as PyTorch, so the gradient at x = 0 agrees too.
        var m = (-logits).Clamp(min: 0f);
        var softplusNeg = m + ((-m).Exp() + (-logits - m).Exp()).Log();
        var loss = posWeight is null
            ? (1f - target) * logits + softplusNeg
            : (1f - target) * logits + (1f + (posWeight - 1f) * target) * softplusNeg;
        if (weight is not null) loss *= weight;
        return Reduce(loss, reduction);
    }

    public static Tensor MseLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        CheckSameShape("mse_loss", input, target);
        var d = input - target;
        return Reduce(d * d, reduction);
    }

    public static Tensor L1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        CheckSameShape("l1_loss", input, target);
        return Reduce((input - target).Abs(), reduction);
    }

    /// <summary>Cosine of the angle between x1 and x2 along <paramref name="dim"/>; each norm is clamped below by eps.</summary>
    public static Tensor CosineSimilarity(Tensor x1, Tensor x2, int dim = 1, float eps = 1e-8f)
    {
        var n1 = (x1 * x1).Sum(dim, keepDim: true).Sqrt().Clamp(min: eps);
        var n2 = (x2 * x2).Sum(dim, keepDim: true).Sqrt().Clamp(min: eps);
        return (x1 / n1 * (x2 / n2)).Sum(ShapeMath.WrapDim(dim, Math.Max(x1.Rank, x2.Rank), "cosine_similarity"));
    }

    private static void CheckSameShape(string op, Tensor input, Tensor target)
    {
        if (!ShapeMath.SameShape(input.shape, target.shape))
            throw new ArgumentException($"{op}: target shape {ShapeMath.Format(target.shape)} differs from input shape {ShapeMath.Format(input.shape)}");
    }
}
