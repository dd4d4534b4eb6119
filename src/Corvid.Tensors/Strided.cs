using Corvid.Tensors.Kernels;
namespace Corvid.Tensors;

/// <summary>
/// Walks the rows of one or more strided layouts of the same shape together: the innermost dim is
/// the row, and for each row the walker gives each operand's starting offset. Dims that are laid
/// out contiguously for every operand are merged first, so a contiguous tensor is one long row.
/// </summary>
internal sealed class RowWalker
{
    private readonly int[] _outerShape;
    private readonly int[][] _strides;
    private readonly int[] _index;
    private readonly int[] _startOffsets;
    public readonly int[] Offsets;
    public readonly int RowLength;
    public readonly int[] InnerStrides;
    public readonly int Rows;

    public RowWalker(ReadOnlySpan<int> shape, int[][] strides, int[] offsets)
    {
        var (merged, mergedStrides) = Coalesce(shape, strides);
        int rank = merged.Length;
        RowLength = rank == 0 ? 1 : merged[rank - 1];
        InnerStrides = new int[strides.Length];
        for (int k = 0; k < strides.Length; k++) InnerStrides[k] = rank == 0 ? 0 : mergedStrides[k][rank - 1];
        _outerShape = rank == 0 ? [] : merged[..(rank - 1)];
        _strides = mergedStrides;
        _index = new int[_outerShape.Length];
        Offsets = (int[])offsets.Clone();
        _startOffsets = (int[])offsets.Clone();
        long rows = 1;
        foreach (var d in _outerShape) rows *= d;
        Rows = RowLength == 0 ? 0 : (int)rows;
    }

    /// <summary>A walker at the start of piece <paramref name="part"/> of <paramref name="parts"/>, whose rows are <c>[first, last)</c>.</summary>
    public static RowWalker ForPart(ReadOnlySpan<int> shape, int[][] strides, int[] offsets, int part, int parts, out int first, out int last)
    {
        var walker = new RowWalker(shape, strides, offsets);
        (first, last) = WorkerPool.Share(walker.Rows, part, parts);
        if (first > 0 && first < last) walker.Seek(first);
        return walker;
    }

    /// <summary>Moves to row <paramref name="row"/> (counted from the start), so threads can each walk their own range of rows.</summary>
    public void Seek(int row)
    {
        for (int k = 0; k < Offsets.Length; k++) Offsets[k] = _startOffsets[k];
        for (int d = _outerShape.Length - 1; d >= 0; d--)
        {
            int i = row % _outerShape[d];
            row /= _outerShape[d];
            _index[d] = i;
            for (int k = 0; k < Offsets.Length; k++) Offsets[k] += _strides[k][d] * i;
        }
    }

    /// <summary>Moves to the next row; call after using the current offsets.</summary>
    public void Advance()
    {
        for (int d = _outerShape.Length - 1; d >= 0; d--)
        {
            _index[d]++;
            for (int k = 0; k < Offsets.Length; k++) Offsets[k] += _strides[k][d];
            if (_index[d] < _outerShape[d]) return;
            for (int k = 0; k < Offsets.Length; k++) Offsets[k] -= _strides[k][d] * _outerShape[d];
            _index[d] = 0;
        }
    }

    private static (int[] Shape, int[][] Strides) Coalesce(ReadOnlySpan<int> shape, int[][] strides)
    {
        int operands = strides.Length;
        var dims = new int[Math.Max(shape.Length, 1)];
        var per = new int[operands][];
        for (int k = 0; k < operands; k++) per[k] = new int[dims.Length];
        int count = 0;
        for (int d = 0; d < shape.Length; d++)
        {
            if (shape[d] == 1 && shape.Length > 1) continue; // a size-1 dim never moves an offset
            bool merge = count > 0;
            for (int k = 0; k < operands && merge; k++)
                merge = per[k][count - 1] == strides[k][d] * shape[d];
            if (merge)
            {
                dims[count - 1] *= shape[d];
                for (int k = 0; k < operands; k++) per[k][count - 1] = strides[k][d];
            }
            else
            {
                dims[count] = shape[d];
                for (int k = 0; k < operands; k++) per[k][count] = strides[k][d];
                count++;
            }
        }
        if (count == 0 && shape.Length > 0)
        {
            dims[0] = 1;
            for (int k = 0; k < operands; k++) per[k][0] = 0;
            count = 1;
        }
        if (count < dims.Length || shape.Length == 0)
        {
            Array.Resize(ref dims, count);
            for (int k = 0; k < operands; k++) Array.Resize(ref per[k], count);
        }
        return (dims, per);
    }
}

/// <summary>Copies between strided layouts and contiguous buffers.</summary>
internal static class StridedCopy
{
    /// <summary>Copies <paramref name="src"/> (any layout) into the view <paramref name="dst"/> of the same shape.</summary>
    /// <remarks>Large copies split their rows between the worker pool's threads (each thread walks its own range).</remarks>
    public static void Copy<T>(T[] src, int srcOffset, int[] srcStrides, T[] dst, int dstOffset, int[] dstStrides, ReadOnlySpan<int> shape)
    {
        var work = new Rows<T> { Src = src, Dst = dst, Shape = shape.ToArray(), Strides = [srcStrides, dstStrides], Offsets = [srcOffset, dstOffset] };
        int parts = WorkerPool.PartsFor(ShapeMath.Numel(shape));
        WorkerPool.Run(ref work, parts);
    }

    struct Rows<T> : IParallelWork
    {
        public T[] Src, Dst;
        public int[] Shape, Offsets;
        public int[][] Strides;

        public readonly void Execute(int part, int parts)
        {
            var walker = RowWalker.ForPart(Shape, Strides, Offsets, part, parts, out int first, out int last);
            if (first >= last) return;
            T[] src = Src, dst = Dst;
            int n = walker.RowLength, ss = walker.InnerStrides[0], ds = walker.InnerStrides[1];
            for (int r = first; r < last; r++)
            {
                int so = walker.Offsets[0], dOff = walker.Offsets[1];
                if (ss == 1 && ds == 1) src.AsSpan(so, n).CopyTo(dst.AsSpan(dOff, n)); // short rows: a span copy costs less than Array.Copy's checks
                else if (ss == 0 && ds == 1) dst.AsSpan(dOff, n).Fill(src[so]);
                else for (int i = 0; i < n; i++) dst[dOff + i * ds] = src[so + i * ss];
                walker.Advance();
            }
        }
    }
}
