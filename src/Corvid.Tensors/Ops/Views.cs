using Corvid.Tensors.Autograd;

namespace Corvid.Tensors;

/// <summary>Views share storage with their input: only shape, strides and offset change.</summary>
public sealed partial class Tensor
{
    private Tensor ViewOf(int[] newShape, int[] newStrides, int newOffset) => new(Storage, newShape, newStrides, newOffset);

    /// <summary>The same values with another shape, without copying; needs a contiguous tensor (one -1 is inferred).</summary>
    public Tensor View(params int[] newShape)
    {
        var resolved = ShapeMath.InferShape(newShape, Numel, shape, "view");
        if (!IsContiguous)
            throw new InvalidOperationException(
                $"view: the tensor of shape {ShapeMath.Format(shape)} with strides {ShapeMath.Format(strides)} is not contiguous; use Reshape (which copies) or Contiguous() first");
        var inputShape = shape;
        var result = ViewOf(resolved, ShapeMath.ContiguousStrides(resolved), Offset);
        return Graph.Record("ViewBackward", result, (g, _) => [g.Reshape(inputShape)], this);
    }

    /// <summary>Like <see cref="View"/>, but copies when the layout does not allow a view.</summary>
    public Tensor Reshape(params int[] newShape) => IsContiguous ? View(newShape) : Contiguous().View(newShape);

    public Tensor Flatten(int startDim = 0, int endDim = -1)
    {
        if (Rank == 0) return Reshape(1);
        int s = ShapeMath.WrapDim(startDim, Rank, "flatten"), e = ShapeMath.WrapDim(endDim, Rank, "flatten");
        if (s > e) throw new ArgumentException($"flatten: start dim {startDim} comes after end dim {endDim}");
        var newShape = new List<int>(shape[..s]) { ShapeMath.Numel(shape.AsSpan(s, e - s + 1)) };
        newShape.AddRange(shape[(e + 1)..]);
        return Reshape([.. newShape]);
    }

    public Tensor Unflatten(int dim, params int[] sizes)
    {
        int d = ShapeMath.WrapDim(dim, Rank, "unflatten");
        var inner = ShapeMath.InferShape(sizes, shape[d], [shape[d]], "unflatten");
        return Reshape([.. shape[..d], .. inner, .. shape[(d + 1)..]]);
    }

    /// <summary>Reorders the dimensions: result dim i is input dim <c>dims[i]</c>.</summary>
    public Tensor Permute(params int[] dims)
    {
        if (dims.Length != Rank)
            throw new ArgumentException($"permute: got {dims.Length} dims {ShapeMath.Format(dims)} for a tensor of rank {Rank}");
        var newShape = new int[Rank];
        var newStrides = new int[Rank];
        var inverse = new int[Rank];
        var seen = new bool[Rank];
        for (int i = 0; i < Rank; i++)
        {
            int d = ShapeMath.WrapDim(dims[i], Rank, "permute");
            if (seen[d]) throw new ArgumentException($"permute: dim {d} appears twice in {ShapeMath.Format(dims)}");
            seen[d] = true;
            newShape[i] = shape[d];
            newStrides[i] = strides[d];
            inverse[d] = i;
        }
        var result = ViewOf(newShape, newStrides, Offset);
        return Graph.Record("PermuteBackward", result, (g, _) => [g.Permute(inverse)], this);
    }

    public Tensor Transpose(int dim0, int dim1)
    {
        if (Rank == 0) return this;
        int a = ShapeMath.WrapDim(dim0, Rank, "transpose"), b = ShapeMath.WrapDim(dim1, Rank, "transpose");
        var dims = Enumerable.Range(0, Rank).ToArray();
        (dims[a], dims[b]) = (dims[b], dims[a]);
        return Permute(dims);
    }

    /// <summary>The transpose of a matrix (rank ≤ 2), like <c>tensor.T</c>.</summary>
    public Tensor T => Rank < 2 ? this : Rank == 2 ? Transpose(0, 1)
        : throw new InvalidOperationException($"T is for matrices; this tensor has rank {Rank}. Use MT or Permute");

    /// <summary>Transposes the last two dims (batched matrices), like <c>tensor.mT</c>.</summary>
    public Tensor MT => Transpose(-2, -1);

    public Tensor Unsqueeze(int dim)
    {
        int d = ShapeMath.WrapDim(dim, Rank + 1, "unsqueeze");
        int stride = d < Rank ? shape[d] * strides[d] : 1;
        var result = ViewOf([.. shape[..d], 1, .. shape[d..]], [.. strides[..d], stride, .. strides[d..]], Offset);
        return Graph.Record("UnsqueezeBackward", result, (g, _) => [g.Squeeze(d)], this);
    }

    /// <summary>Removes every size-1 dimension.</summary>
    public Tensor Squeeze()
    {
        var keep = Enumerable.Range(0, Rank).Where(d => shape[d] != 1).ToArray();
        return SqueezeTo(keep);
    }

    /// <summary>Removes one dimension if its size is 1 (as PyTorch, otherwise returns the tensor unchanged).</summary>
    public Tensor Squeeze(int dim)
    {
        if (Rank == 0) return this;
        int d = ShapeMath.WrapDim(dim, Rank, "squeeze");
        if (shape[d] != 1) return this;
        return SqueezeTo(Enumerable.Range(0, Rank).Where(i => i != d).ToArray());
    }

    private Tensor SqueezeTo(int[] keep)
    {
        if (keep.Length == Rank) return this;
        var inputShape = shape;
        var result = ViewOf(keep.Select(d => shape[d]).ToArray(), keep.Select(d => strides[d]).ToArray(), Offset);
        return Graph.Record("SqueezeBackward", result, (g, _) => [g.Reshape(inputShape)], this);
    }

    /// <summary>Repeats size-1 dims (and adds leading dims) without copying; -1 keeps a size.</summary>
    public Tensor Expand(params int[] sizes)
    {
        var result = ExpandView(sizes, "expand");
        if (ReferenceEquals(result, this)) return this;
        var inputShape = shape;
        return Graph.Record("ExpandBackward", result, (g, _) => [g.SumTo(inputShape)], this);
    }

    internal Tensor ExpandView(ReadOnlySpan<int> sizes, string op)
    {
        if (sizes.Length < Rank)
            throw new ArgumentException($"{op}: the target shape {ShapeMath.Format(sizes)} has fewer dims than the tensor's {ShapeMath.Format(shape)}");
        if (sizes.SequenceEqual(shape)) return this;
        int lead = sizes.Length - Rank;
        var newShape = new int[sizes.Length];
        var newStrides = new int[sizes.Length];
        for (int i = 0; i < sizes.Length; i++)
        {
            int own = i >= lead ? shape[i - lead] : 1;
            int target = sizes[i] == -1 ? own : sizes[i];
            if (i < lead && sizes[i] == -1)
                throw new ArgumentException($"{op}: -1 is not allowed for the new leading dim {i} in {ShapeMath.Format(sizes)}");
            if (own != target && own != 1)
                throw new ArgumentException($"{op}: cannot expand shape {ShapeMath.Format(shape)} to {ShapeMath.Format(sizes)} (dim {i}: {own} vs {target})");
            newShape[i] = target;
            newStrides[i] = i < lead || (own == 1 && target != 1) ? 0 : strides[i - lead];
        }
        return ViewOf(newShape, newStrides, Offset);
    }

    public Tensor ExpandAs(Tensor other) => Expand(other.shape);

    /// <summary>The slice <c>[start, start+length)</c> of one dimension, as a view.</summary>
    public Tensor Narrow(int dim, int start, int length) => Slice(dim, start, start + length, 1, "narrow");

    /// <summary>Python-style slice <c>[start:end:step]</c> of one dimension, as a view; negative indices count from the end.</summary>
    public Tensor Slice(int dim, int? start = null, int? end = null, int step = 1) => Slice(dim, start, end, step, "slice");

    private Tensor Slice(int dim, int? start, int? end, int step, string op)
    {
        int d = ShapeMath.WrapDim(dim, Rank, op);
        if (step <= 0) throw new ArgumentException($"{op}: step must be positive, got {step}");
        int size = shape[d];
        int s = start ?? 0, e = end ?? size;
        if (op == "narrow" && (s < 0 || e > size || e < s))
            throw new ArgumentOutOfRangeException(nameof(start), $"narrow: [{s}, {e}) is out of range for dim {d} of size {size} (shape {ShapeMath.Format(shape)})");
        if (s < 0) s += size;
        if (e < 0) e += size;
        s = Math.Clamp(s, 0, size);
        e = Math.Clamp(e, s, size);
        int length = (e - s + step - 1) / step;
        var newShape = (int[])shape.Clone();
        var newStrides = (int[])strides.Clone();
        newShape[d] = length;
        newStrides[d] = strides[d] * step;
        var result = ViewOf(newShape, newStrides, Offset + s * strides[d]);
        var inputShape = shape;
        int from = s;
        return Graph.Record("SliceBackward", result,
            (g, _) => [EmbedInto(g, inputShape, t => t.Slice(d, from, from + (length - 1) * step + 1, step, "slice"))], this);
    }

    /// <summary>The sub-tensor at <paramref name="index"/> along <paramref name="dim"/>, which disappears (like <c>x[i]</c>).</summary>
    public Tensor Select(int dim, int index)
    {
        int d = ShapeMath.WrapDim(dim, Rank, "select");
        int i = index < 0 ? index + shape[d] : index;
        if (i < 0 || i >= shape[d])
            throw new ArgumentOutOfRangeException(nameof(index), $"select: index {index} is out of range for dim {d} of size {shape[d]}");
        var result = ViewOf([.. shape[..d], .. shape[(d + 1)..]], [.. strides[..d], .. strides[(d + 1)..]], Offset + i * strides[d]);
        var inputShape = shape;
        return Graph.Record("SelectBackward", result, (g, _) => [EmbedInto(g, inputShape, t => t.Select(d, i))], this);
    }

    /// <summary>A tensor of <paramref name="shape"/> that is zero except where <paramref name="view"/> sees it, which holds <paramref name="g"/>.</summary>
    private static Tensor EmbedInto(Tensor g, int[] shape, Func<Tensor, Tensor> view)
    {
        var result = Zeros(shape);
        using (GradMode.NoGrad()) view(result).CopyFrom(g);
        result.Storage.Version = 0;
        return Graph.Record("EmbedBackward", result, (gg, _) => [view(gg)], g);
    }

    /// <summary>This tensor if it is laid out row-major already, otherwise a row-major copy.</summary>
    public Tensor Contiguous()
    {
        if (IsContiguous) return this;
        var copy = ContiguousCopy();
        return DType == DType.Float32 ? Graph.Record("ContiguousBackward", copy, (g, _) => [g], this) : copy;
    }

    /// <summary>Sums a (broadcast) gradient back down to <paramref name="target"/> shape.</summary>
    internal Tensor SumTo(ReadOnlySpan<int> target)
    {
        if (ShapeMath.SameShape(shape, target)) return this;
        int lead = Rank - target.Length;
        if (lead < 0) throw new InvalidOperationException($"cannot sum shape {ShapeMath.Format(shape)} down to {ShapeMath.Format(target)}");
        var dims = new List<int>();
        for (int d = 0; d < Rank; d++)
            if (d < lead || (target[d - lead] == 1 && shape[d] != 1)) dims.Add(d);
        var summed = dims.Count > 0 ? Sum([.. dims], keepDim: true) : this;
        return summed.Reshape(target.ToArray());
    }
}

public sealed partial class Tensor
{
    /// <summary>Moves one dim to another position, keeping the others in order.</summary>
    public Tensor Movedim(int source, int destination)
    {
        int s = ShapeMath.WrapDim(source, Rank, "movedim"), d = ShapeMath.WrapDim(destination, Rank, "movedim");
        var order = Enumerable.Range(0, Rank).Where(i => i != s).ToList();
        order.Insert(d, s);
        return Permute([.. order]);
    }
}
