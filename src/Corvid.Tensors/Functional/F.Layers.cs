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
    /// allowed (as PyTorch); a float mask is added to the scores.
    /// </summary>
    public static Tensor ScaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor? attnMask = null,
        bool isCausal = false, float dropoutP = 0f, float? scale = null, Generator? generator = null)
    {
        int d = query.shape[^1];
        if (key.shape[^1] != d)
            throw new ArgumentException($"scaled_dot_product_attention: query dim {d} differs from key dim {key.shape[^1]} (shapes {ShapeMath.Format(query.shape)} and {ShapeMath.Format(key.shape)})");
        if (key.shape[^2] != value.shape[^2])
            throw new ArgumentException($"scaled_dot_product_attention: key has {key.shape[^2]} positions, value has {value.shape[^2]}");
        var scores = query.Matmul(key.MT) * (scale ?? 1f / MathF.Sqrt(d));
        if (isCausal)
        {
            int l = query.shape[^2], s = key.shape[^2];
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
