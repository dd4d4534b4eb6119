using Corvid.Tensors.Autograd;

namespace Corvid.Tensors;

/// <summary>gather, scatter_add, index_select, index_add: indexing by int64 tensors.</summary>
public sealed partial class Tensor
{
    /// <summary><c>out[..., i, ...] = this[..., index[..., i, ...], ...]</c> along <paramref name="dim"/>, as <c>torch.gather</c>.</summary>
    public Tensor Gather(int dim, Tensor index)
    {
        var x = this;
        int d = ShapeMath.WrapDim(dim, Rank, "gather");
        CheckScatterGatherShapes("gather", d, index, x);
        var result = Empty(index.shape);
        ForEachIndexed(index, x, d, "gather", (srcOffset, outPos) => result.F[outPos] = x.F[srcOffset]);
        return Graph.Record("GatherBackward", result, (g, _) => [ZerosLike(x).ScatterAdd(d, index, g)], x);
    }

    /// <summary>A copy of this tensor with <paramref name="source"/> added at the positions <paramref name="index"/> names along <paramref name="dim"/>.</summary>
    public Tensor ScatterAdd(int dim, Tensor index, Tensor source)
    {
        var x = this;
        int d = ShapeMath.WrapDim(dim, Rank, "scatter_add");
        CheckScatterGatherShapes("scatter_add", d, index, x);
        for (int i = 0; i < index.Rank; i++)
        {
            if (index.shape[i] > source.shape[i])
                throw new ArgumentException($"scatter_add: index shape {ShapeMath.Format(index.shape)} is larger than the source shape {ShapeMath.Format(source.shape)} in dim {i}");
        }
        var result = x.ContiguousCopy();
        var src = source.Contiguous();
        var srcStrides = src.strides;
        var idxStrides = ShapeMath.ContiguousStrides(index.shape);
        ForEachIndexed(index, result, d, "scatter_add", (dstOffset, pos) =>
        {
            // pos is the row-major position in the index; map it to the (possibly larger) source.
            int rem = pos, off = src.Offset;
            for (int k = 0; k < index.Rank; k++)
            {
                int coord = rem / idxStrides[k];
                rem -= coord * idxStrides[k];
                off += coord * srcStrides[k];
            }
            result.F[dstOffset] += src.F[off];
        });
        return Graph.Record("ScatterAddBackward", result, (g, needs) =>
        {
            Tensor? gs = null;
            if (needs[2])
            {
                var gathered = g.Gather(d, index);
                gs = ShapeMath.SameShape(gathered.shape, source.shape) ? gathered : PadTo(gathered, source.shape);
            }
            return [needs[0] ? g : null, null, gs];
        }, x, index, source);
    }

    /// <summary>Zero-pads a tensor at the end of each dim up to <paramref name="shape"/> (differentiable).</summary>
    private static Tensor PadTo(Tensor t, int[] shape)
    {
        var result = Zeros(shape);
        var view = result;
        for (int k = 0; k < t.Rank; k++) view = view.Narrow(k, 0, t.shape[k]);
        using (GradMode.NoGrad()) view.CopyFrom(t);
        var inner = t.shape;
        return Graph.Record("PadBackward", result, (g, _) =>
        {
            var v = g;
            for (int k = 0; k < inner.Length; k++) v = v.Narrow(k, 0, inner[k]);
            return [v];
        }, t);
    }

    private static void CheckScatterGatherShapes(string op, int dim, Tensor index, Tensor self)
    {
        index.RequireDType(DType.Int64, op + " (index)");
        if (index.Rank != self.Rank)
            throw new ArgumentException($"{op}: index has rank {index.Rank} (shape {ShapeMath.Format(index.shape)}), the tensor has rank {self.Rank} (shape {ShapeMath.Format(self.shape)})");
        for (int k = 0; k < index.Rank; k++)
        {
            if (k != dim && index.shape[k] > self.shape[k])
                throw new ArgumentException($"{op}: index shape {ShapeMath.Format(index.shape)} exceeds the tensor's shape {ShapeMath.Format(self.shape)} in dim {k}");
        }
    }

    /// <summary>
    /// For every element of <paramref name="index"/> (row-major position <c>pos</c>), the offset in
    /// <paramref name="target"/> of the element it addresses along <paramref name="dim"/>.
    /// </summary>
    private static void ForEachIndexed(Tensor index, Tensor target, int dim, string op, Action<int, int> visit)
    {
        if (index.Numel == 0) return;
        var targetStrides = (int[])target.strides.Clone();
        int dimStride = target.Rank == 0 ? 0 : targetStrides[dim];
        int dimSize = target.Rank == 0 ? 1 : target.shape[dim];
        if (target.Rank > 0) targetStrides[dim] = 0;
        var walker = new RowWalker(index.shape, [index.strides, targetStrides], [index.Offset, target.Offset]);
        int n = walker.RowLength, si = walker.InnerStrides[0], st = walker.InnerStrides[1];
        var idx = index.L;
        int pos = 0;
        for (int r = 0; r < walker.Rows; r++)
        {
            for (int i = 0; i < n; i++, pos++)
            {
                long j = idx[walker.Offsets[0] + i * si];
                if (j < 0) j += dimSize;
                if (j < 0 || j >= dimSize)
                    throw new IndexOutOfRangeException($"{op}: index {idx[walker.Offsets[0] + i * si]} is out of range for dim {dim} of size {dimSize}");
                visit(walker.Offsets[1] + i * st + (int)j * dimStride, pos);
            }
            walker.Advance();
        }
    }

    /// <summary>The entries at <paramref name="index"/> (1-D int64) along <paramref name="dim"/>, as <c>torch.index_select</c>.</summary>
    public Tensor IndexSelect(int dim, Tensor index)
    {
        var x = this;
        int d = ShapeMath.WrapDim(dim, Rank, "index_select");
        index.RequireDType(DType.Int64, "index_select (index)");
        if (index.Rank > 1) throw new ArgumentException($"index_select: index must be 1-D, got shape {ShapeMath.Format(index.shape)}");
        var idx = CheckedIndices(index, Rank == 0 ? 1 : shape[d], d, "index_select");
        var outShape = (int[])shape.Clone();
        if (Rank > 0) outShape[d] = idx.Length;
        var result = new Tensor(Storage.Allocate(DType, ShapeMath.Numel(outShape), zeroed: false), outShape);
        // Seen as [outer, size, inner], each selected entry is one contiguous block of `inner` values per outer row.
        var src = x.Contiguous();
        int size = Rank == 0 ? 1 : shape[d];
        int inner = Rank == 0 ? 1 : ShapeMath.Numel(shape.AsSpan(d + 1));
        int outer = Rank == 0 ? 1 : ShapeMath.Numel(shape.AsSpan(0, d));
        var from = src.Storage;
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < idx.Length; i++)
                CopyBlock(from, src.Offset + (o * size + idx[i]) * inner, result.Storage, (o * idx.Length + i) * inner, inner);
        if (DType != DType.Float32) return result;
        return Graph.Record("IndexSelectBackward", result, (g, _) => [ZerosLike(x).IndexAdd(d, index, g)], x);
    }

    private static int[] CheckedIndices(Tensor index, int size, int dim, string op)
    {
        var raw = index.ToLongArray();
        var idx = new int[raw.Length];
        for (int i = 0; i < raw.Length; i++)
        {
            long j = raw[i] < 0 ? raw[i] + size : raw[i];
            if (j < 0 || j >= size)
                throw new IndexOutOfRangeException($"{op}: index {raw[i]} is out of range for dim {dim} of size {size}");
            idx[i] = (int)j;
        }
        return idx;
    }

    private static void CopyBlock(Storage from, int fromOffset, Storage to, int toOffset, int length)
    {
        if (from.Floats is { } f) Array.Copy(f, fromOffset, to.Floats!, toOffset, length);
        else if (from.Longs is { } l) Array.Copy(l, fromOffset, to.Longs!, toOffset, length);
        else Array.Copy(from.Bools!, fromOffset, to.Bools!, toOffset, length);
    }

    /// <summary>A copy with <c>source.Select(dim, i)</c> added to <c>Select(dim, index[i])</c> for every i.</summary>
    public Tensor IndexAdd(int dim, Tensor index, Tensor source)
    {
        var x = this;
        if (Rank == 0) throw new ArgumentException("index_add: the tensor must have at least one dimension");
        int d = ShapeMath.WrapDim(dim, Rank, "index_add");
        RequireDType(DType.Float32, "index_add");
        index.RequireDType(DType.Int64, "index_add (index)");
        int size = shape[d];
        var idx = CheckedIndices(index, size, d, "index_add");
        var expected = (int[])shape.Clone();
        expected[d] = idx.Length;
        if (!ShapeMath.SameShape(source.shape, expected))
            throw new ArgumentException($"index_add: source has shape {ShapeMath.Format(source.shape)}, expected {ShapeMath.Format(expected)} for {idx.Length} indices along dim {d} of {ShapeMath.Format(shape)}");
        var result = x.ContiguousCopy();
        var src = source.Contiguous();
        int inner = ShapeMath.Numel(shape.AsSpan(d + 1));
        int outer = ShapeMath.Numel(shape.AsSpan(0, d));
        var dst = result.F;
        var from = src.F;
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < idx.Length; i++)
            {
                var target = dst.AsSpan((o * size + idx[i]) * inner, inner);
                System.Numerics.Tensors.TensorPrimitives.Add(target, from.AsSpan(src.Offset + (o * idx.Length + i) * inner, inner), target);
            }
        return Graph.Record("IndexAddBackward", result, (g, needs) =>
            [needs[0] ? g : null, null, needs[2] ? g.IndexSelect(d, index) : null], x, index, source);
    }
}
