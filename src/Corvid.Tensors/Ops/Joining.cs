using Corvid.Tensors.Autograd;

namespace Corvid.Tensors;

/// <summary>cat, stack, split and chunk.</summary>
public sealed partial class Tensor
{
    /// <summary>Joins tensors along an existing dim; all other dims must match.</summary>
    public static Tensor Cat(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        if (tensors.Count == 0) throw new ArgumentException("cat: expected at least one tensor");
        var first = tensors[0];
        int d = ShapeMath.WrapDim(dim, first.Rank, "cat");
        int total = 0;
        for (int i = 0; i < tensors.Count; i++)
        {
            var t = tensors[i];
            if (t.DType != first.DType)
                throw new ArgumentException($"cat: tensor {i} is {t.DType.Name()}, tensor 0 is {first.DType.Name()}");
            if (t.Rank != first.Rank)
                throw new ArgumentException($"cat: tensor {i} has shape {ShapeMath.Format(t.shape)}, tensor 0 has {ShapeMath.Format(first.shape)}: ranks differ");
            for (int k = 0; k < t.Rank; k++)
            {
                if (k != d && t.shape[k] != first.shape[k])
                    throw new ArgumentException($"cat: tensor {i} has shape {ShapeMath.Format(t.shape)}, tensor 0 has {ShapeMath.Format(first.shape)}: dim {k} differs");
            }
            total += t.shape[d];
        }
        var outShape = (int[])first.shape.Clone();
        outShape[d] = total;
        var result = new Tensor(Storage.Allocate(first.DType, ShapeMath.Numel(outShape), zeroed: false), outShape);
        var starts = new int[tensors.Count];
        using (GradMode.NoGrad())
        {
            int at = 0;
            for (int i = 0; i < tensors.Count; i++)
            {
                starts[i] = at;
                result.Narrow(d, at, tensors[i].shape[d]).CopyFrom(tensors[i]);
                at += tensors[i].shape[d];
            }
        }
        result.Storage.Version = 0;
        if (first.DType != DType.Float32) return result;
        return Graph.Record("CatBackward", result, (g, needs) =>
        {
            var grads = new Tensor?[tensors.Count];
            for (int i = 0; i < tensors.Count; i++)
                if (needs[i]) grads[i] = g.Narrow(d, starts[i], tensors[i].shape[d]);
            return grads;
        }, [.. tensors]);
    }

    /// <summary>Joins tensors of equal shape along a new dim.</summary>
    public static Tensor Stack(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        if (tensors.Count == 0) throw new ArgumentException("stack: expected at least one tensor");
        for (int i = 1; i < tensors.Count; i++)
        {
            if (!ShapeMath.SameShape(tensors[i].shape, tensors[0].shape))
                throw new ArgumentException($"stack: tensor {i} has shape {ShapeMath.Format(tensors[i].shape)}, tensor 0 has {ShapeMath.Format(tensors[0].shape)}");
        }
        int d = ShapeMath.WrapDim(dim, tensors[0].Rank + 1, "stack");
        return Cat(tensors.Select(t => t.Unsqueeze(d)).ToList(), d);
    }

    /// <summary>Views of consecutive pieces of <paramref name="splitSize"/> along a dim (the last may be smaller).</summary>
    public Tensor[] Split(int splitSize, int dim = 0)
    {
        int d = ShapeMath.WrapDim(dim, Rank, "split");
        if (splitSize <= 0) throw new ArgumentException($"split: split size must be positive, got {splitSize}");
        int n = shape[d];
        var sizes = new List<int>();
        for (int at = 0; at < n; at += splitSize) sizes.Add(Math.Min(splitSize, n - at));
        if (sizes.Count == 0) sizes.Add(0);
        return Split([.. sizes], d);
    }

    /// <summary>Views of pieces with the given sizes along a dim; the sizes must add up to the dim.</summary>
    public Tensor[] Split(int[] sizes, int dim = 0)
    {
        int d = ShapeMath.WrapDim(dim, Rank, "split");
        if (sizes.Sum() != shape[d])
            throw new ArgumentException($"split: sizes {ShapeMath.Format(sizes)} add up to {sizes.Sum()}, but dim {d} has size {shape[d]}");
        var parts = new Tensor[sizes.Length];
        for (int i = 0, at = 0; i < sizes.Length; at += sizes[i], i++) parts[i] = Narrow(d, at, sizes[i]);
        return parts;
    }

    /// <summary>Splits into <paramref name="chunks"/> pieces of equal size (the last may be smaller), as <c>torch.chunk</c>.</summary>
    public Tensor[] Chunk(int chunks, int dim = 0)
    {
        if (chunks <= 0) throw new ArgumentException($"chunk: number of chunks must be positive, got {chunks}");
        int d = ShapeMath.WrapDim(dim, Rank, "chunk");
        int size = Math.Max(1, (shape[d] + chunks - 1) / chunks);
        return Split(size, d);
    }
}
