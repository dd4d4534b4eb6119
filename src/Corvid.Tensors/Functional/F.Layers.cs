namespace Corvid.Tensors;

public static partial class F
{
    /// <summary>x · Wᵀ + b, with W [out, in] as <c>torch.nn.functional.linear</c>.</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias = null)
    {
        if (weight.Rank != 2)
            throw new ArgumentException($"linear: weight must be [out, in], got shape {ShapeMath.Format(weight.shape)}");
        if (x.Rank == 0 || x.shape[^1] != weight.shape[1])
            throw new ArgumentException($"linear: input shape {ShapeMath.Format(x.shape)} does not end in {weight.shape[1]} features (weight shape {ShapeMath.Format(weight.shape)})");
        if (x.DType == DType.Float32 && weight.DType == DType.Float32
            && (bias is null || (bias.DType == DType.Float32 && bias.Rank == 1 && bias.shape[0] == weight.shape[0])))
        {
            // One fused op, as torch's addmm: the bias is written into the output before the GEMM accumulates onto it.
            var rows = x.Rank == 2 ? x : x.Contiguous().Reshape(-1, x.shape[^1]);
            var y2 = Tensor.LinearRows(rows, weight, bias);
            return x.Rank == 2 ? y2 : y2.Reshape([.. x.shape[..^1], weight.shape[0]]);
        }
        var y = x.Matmul(weight.T);
        return bias is null ? y : y + bias;
    }

    /// <summary>Rows of <paramref name="weight"/> [V, D] picked by int64 ids of any shape; the padding row gets no gradient.</summary>
    public static Tensor Embedding(Tensor ids, Tensor weight, int? paddingIdx = null)
    {
        if (ids.DType != DType.Int64)
            throw new ArgumentException($"embedding: ids must be int64, got {ids.DType.Name()} with shape {ShapeMath.Format(ids.shape)}");
        if (weight.Rank != 2)
            throw new ArgumentException($"embedding: weight must be [vocabulary, dim], got shape {ShapeMath.Format(weight.shape)}");
        var flat = ids.Reshape(-1);
        int vocabulary = weight.shape[0];
        foreach (var id in flat.ToLongArray())
        {
            if (id < 0 || id >= vocabulary)
                throw new ArgumentException($"embedding: id {id} is out of range for a vocabulary of {vocabulary}");
        }
        var table = weight;
        if (paddingIdx is { } pad)
        {
            // Rows read through a mask that is 0 at the padding row for the gradient but keeps its value.
            var keep = Tensor.Ones(vocabulary, 1);
            keep.MutableSpan()[pad < 0 ? pad + vocabulary : pad] = 0f; // PyTorch accepts −1 for the last row
            table = weight * keep + (weight * (1f - keep)).Detach();
        }
        return table.IndexSelect(0, flat).Reshape([.. ids.shape, weight.shape[1]]);
    }

    /// <summary>
    /// softmax(q·kᵀ/√d + mask)·v over the last two dims. A bool mask is true where attention is
    /// allowed (as PyTorch); a float mask is added to the scores. Without an explicit mask or dropout
    /// the fused kernel runs, which never materialises the [L, S] scores.
    /// </summary>
    public static Tensor ScaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor? attnMask = null,
        bool isCausal = false, float dropoutP = 0f, float? scale = null, Generator? generator = null)
    {
        int d = query.Shape[^1];
        if (key.Shape[^1] != d)
            throw new ArgumentException($"scaled_dot_product_attention: query dim {d} differs from key dim {key.Shape[^1]} (shapes {ShapeMath.Format(query.shape)} and {ShapeMath.Format(key.shape)})");
        if (key.Shape[^2] != value.Shape[^2])
            throw new ArgumentException($"scaled_dot_product_attention: key has {key.Shape[^2]} positions, value has {value.Shape[^2]}");
        float factor = scale ?? 1f / MathF.Sqrt(d);
        if (attnMask is null && dropoutP == 0f && query.Rank >= 2 && query.Rank == key.Rank && key.Rank == value.Rank
            && query.shape.AsSpan(0, query.Rank - 2).SequenceEqual(key.shape.AsSpan(0, key.Rank - 2))
            && key.shape.AsSpan(0, key.Rank - 2).SequenceEqual(value.shape.AsSpan(0, value.Rank - 2)))
        {
            // Fold every leading dim into the head dim of the fused kernel's [B, H, L, D] layout.
            var q4 = query.Reshape(1, -1, query.Shape[^2], d);
            var k4 = key.Reshape(1, -1, key.Shape[^2], d);
            var v4 = value.Reshape(1, -1, value.Shape[^2], value.Shape[^1]);
            var fused = FusedAttention.Apply(q4, k4, v4, isCausal, keyPadding: null, factor);
            return fused.Reshape([.. query.shape[..^1], value.Shape[^1]]);
        }
        var scores = query.Matmul(key.MT) * factor;
        if (isCausal)
        {
            int l = query.Shape[^2], s = key.Shape[^2];
            var allowed = new bool[l * s];
            for (int i = 0; i < l; i++)
                for (int j = 0; j <= Math.Min(i, s - 1); j++) allowed[i * s + j] = true;
            scores = scores.MaskedFill(Tensor.FromArray(allowed, l, s).LogicalNot(), float.NegativeInfinity);
        }
        if (attnMask is not null)
        {
            scores = attnMask.DType == DType.Bool
                ? scores.MaskedFill(attnMask.LogicalNot(), float.NegativeInfinity)
                : scores + attnMask;
        }
        var weights = scores.Softmax(-1);
        if (dropoutP > 0f) weights = Dropout(weights, dropoutP, training: true, generator);
        return weights.Matmul(value);
    }

    /// <summary>
    /// Multi-head attention core for q [B, H, L, D], k [B, H, S, D], v [B, H, S, Dv] with an optional
    /// key padding mask [B, S] (true = ignore), through the fused kernel.
    /// </summary>
    public static Tensor FusedMultiHeadAttention(Tensor query, Tensor key, Tensor value, Tensor? keyPaddingMask = null, bool isCausal = false, float? scale = null) =>
        FusedAttention.Apply(query, key, value, isCausal, keyPaddingMask, scale ?? 1f / MathF.Sqrt(query.Shape[^1]));

    /// <summary>One-hot encoding of int64 class indices as float32 [.., numClasses].</summary>
    public static Tensor OneHot(Tensor ids, int numClasses)
    {
        var flat = ids.ToLongArray();
        var result = Tensor.Zeros(flat.Length, numClasses);
        var f = result.MutableSpan();
        for (int i = 0; i < flat.Length; i++)
        {
            if (flat[i] < 0 || flat[i] >= numClasses)
                throw new ArgumentException($"one_hot: class {flat[i]} is out of range for {numClasses} classes");
            f[i * numClasses + (int)flat[i]] = 1f;
        }
        return result.Reshape([.. ids.shape, numClasses]);
    }
}
