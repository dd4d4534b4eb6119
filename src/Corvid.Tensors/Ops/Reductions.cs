using System.Numerics.Tensors;
using Corvid.Tensors.Autograd;
using Corvid.Tensors.Kernels;

namespace Corvid.Tensors;

/// <summary>Reductions over any set of dims, with keepDim, and the softmax family.</summary>
public sealed partial class Tensor
{
    /// <summary>
    /// Lays the tensor out so that the reduced dims are innermost and contiguous: each output element
    /// then reduces one row of <c>rowLength</c> values. Returns the row-major rows (no copy when the
    /// reduced dims already are the trailing dims of a contiguous tensor).
    /// </summary>
    private ArraySegment<float> RowsOver(int[] dims, string op, out int[] reducedShape, out int[] keptShape, out int rowLength)
    {
        var reduce = ReduceFlags(dims, op);
        int reducedCount = 0;
        foreach (var r in reduce) if (r) reducedCount++;
        var order = new int[Rank];
        reducedShape = new int[Rank - reducedCount];
        keptShape = new int[Rank];
        rowLength = 1;
        bool trailing = true;
        for (int d = 0, k = 0, j = Rank - reducedCount; d < Rank; d++)
        {
            keptShape[d] = reduce[d] ? 1 : shape[d];
            if (reduce[d])
            {
                order[j++] = d;
                rowLength *= shape[d];
            }
            else
            {
                if (d >= Rank - reducedCount) trailing = false;
                reducedShape[k] = shape[d];
                order[k++] = d;
            }
        }
        if (trailing && IsContiguous) return new ArraySegment<float>(F, Offset, Numel);
        using (GradMode.NoGrad())
        {
            var laidOut = Permute(order).Contiguous();
            return new ArraySegment<float>(laidOut.F, laidOut.Offset, laidOut.Numel);
        }
    }

    /// <summary>Which dims <paramref name="dims"/> names (negative ones wrapped), checking each is valid and named once.</summary>
    private bool[] ReduceFlags(int[] dims, string op)
    {
        RequireDType(DType.Float32, op);
        var reduce = new bool[Rank];
        foreach (var dim in dims)
        {
            int d = ShapeMath.WrapDim(dim, Rank, op);
            if (Rank == 0) continue;
            if (reduce[d]) throw new ArgumentException($"{op}: dim {d} appears more than once in {ShapeMath.Format(dims)}");
            reduce[d] = true;
        }
        return reduce;
    }

    /// <summary>
    /// Sums (or averages) over <paramref name="dims"/> in place when this tensor is contiguous and the
    /// reduced dims form a leading block, a trailing block or both, as [outer, kept, inner]; false otherwise.
    /// </summary>
    private bool TryBlockSum(int[] dims, string op, bool mean, bool keepDim, out Tensor result, out int[] keptShape, out int count)
    {
        var reduce = ReduceFlags(dims, op);
        result = null!;
        keptShape = new int[Rank];
        count = 1;
        for (int d = 0; d < Rank; d++)
        {
            keptShape[d] = reduce[d] ? 1 : shape[d];
            if (reduce[d]) count *= shape[d];
        }
        if (!IsContiguous || Numel == 0 || Rank == 0 || !TryBlockLayout(shape, reduce, out int outer, out int kept, out int inner)) return false;
        result = Empty(keepDim ? keptShape : ReducedShape(dims, op));
        unsafe
        {
            fixed (float* x = &F[Offset], y = result.F)
                BlockSumKernel.Sum(x, y, outer, kept, inner, mean ? count : 1f);
        }
        return true;
    }

    /// <summary>
    /// Whether reducing <paramref name="shape"/> over the flagged dims reads a contiguous tensor as
    /// [outer, kept, inner] (reduced dims leading, trailing or both; size-1 dims fit anywhere), and the sizes.
    /// </summary>
    internal static bool TryBlockLayout(ReadOnlySpan<int> shape, bool[] reduce, out int outer, out int kept, out int inner)
    {
        outer = kept = inner = 1;
        int phase = 0; // 0: leading reduced, 1: kept, 2: trailing reduced
        for (int d = 0; d < shape.Length; d++)
        {
            if (shape[d] == 1) continue;
            if (reduce[d])
            {
                if (phase == 1) phase = 2;
                if (phase == 0) outer *= shape[d];
                else inner *= shape[d];
            }
            else
            {
                if (phase == 2) return false;
                phase = 1;
                kept *= shape[d];
            }
        }
        return true;
    }

    /// <summary>
    /// (this · other).SumTo(target) for the backward of a broadcast product: when no graph is recorded and
    /// both are contiguous of the same shape, the products are summed as they are made (one pass, no
    /// product tensor); otherwise op by op, so the result stays differentiable.
    /// </summary>
    internal Tensor MulSumTo(Tensor other, int[] target)
    {
        if (GradMode.IsEnabled || !IsContiguous || !other.IsContiguous || !ShapeMath.SameShape(shape, other.shape)
            || ShapeMath.SameShape(shape, target) || Numel == 0 || target.Length > Rank || DType != DType.Float32 || other.DType != DType.Float32)
            return (this * other).SumTo(target);
        int lead = Rank - target.Length;
        var reduce = new bool[Rank];
        for (int d = 0; d < Rank; d++)
        {
            if (d >= lead && target[d - lead] != 1 && target[d - lead] != shape[d]) return (this * other).SumTo(target);
            reduce[d] = d < lead || (target[d - lead] == 1 && shape[d] != 1);
        }
        if (!TryBlockLayout(shape, reduce, out int outer, out int kept, out int inner)) return (this * other).SumTo(target);
        var result = Empty(target);
        unsafe
        {
            fixed (float* x = &F[Offset], y = &other.F[other.Offset], o = result.F)
                BlockSumKernel.SumOfProducts(x, y, o, outer, kept, inner);
        }
        return result;
    }

    /// <summary>The shape left after reducing <paramref name="dims"/> without keepDim.</summary>
    private int[] ReducedShape(int[] dims, string op)
    {
        var wrapped = dims.Select(d => ShapeMath.WrapDim(d, Rank, op)).ToHashSet();
        return Enumerable.Range(0, Rank).Where(d => !wrapped.Contains(d)).Select(d => shape[d]).ToArray();
    }

    private int[] AllDims() => Enumerable.Range(0, Rank).ToArray();

    /// <summary>Sum of all elements (0-d result).</summary>
    public Tensor Sum() => Sum(AllDims(), keepDim: false);

    public Tensor Sum(int dim, bool keepDim = false) => Sum([dim], keepDim);

    public Tensor Sum(int[] dims, bool keepDim = false)
    {
        var x = this;
        if (TryBlockSum(dims, "sum", mean: false, keepDim, out var summed, out var blockKept, out _))
            return Graph.Record("SumBackward", summed, (g, _) => [g.Reshape(blockKept).Expand(x.shape)], x);
        var rows = RowsOver(dims, "sum", out var reducedShape, out var keptShape, out int n);
        var result = Empty(keepDim ? keptShape : reducedShape);
        var o = result.F;
        for (int r = 0; r < o.Length; r++) o[r] = n == 0 ? 0f : TensorPrimitives.Sum(rows.AsSpan(r * n, n));
        return Graph.Record("SumBackward", result, (g, _) => [g.Reshape(keptShape).Expand(x.shape)], x);
    }

    public Tensor Mean() => Mean(AllDims(), keepDim: false);

    public Tensor Mean(int dim, bool keepDim = false) => Mean([dim], keepDim);

    public Tensor Mean(int[] dims, bool keepDim = false)
    {
        var x = this;
        if (TryBlockSum(dims, "mean", mean: true, keepDim, out var averaged, out var blockKept, out int count))
            // Divide the small gradient, then expand: the result stays a broadcast view, never materialised here.
            return Graph.Record("MeanBackward", averaged, (g, _) => [(g.Reshape(blockKept) / count).Expand(x.shape)], x);
        var rows = RowsOver(dims, "mean", out var reducedShape, out var keptShape, out int n);
        var result = Empty(keepDim ? keptShape : reducedShape);
        var o = result.F;
        for (int r = 0; r < o.Length; r++) o[r] = n == 0 ? float.NaN : TensorPrimitives.Sum(rows.AsSpan(r * n, n)) / n;
        return Graph.Record("MeanBackward", result, (g, _) => [(g.Reshape(keptShape) / n).Expand(x.shape)], x);
    }

    /// <summary>Variance with Bessel's correction by default (<paramref name="correction"/> = 1), as <c>torch.var</c>.</summary>
    public Tensor Var(int[] dims, int correction = 1, bool keepDim = false)
    {
        RowsOver(dims, "var", out _, out _, out int n);
        var centered = this - Mean(dims, keepDim: true);
        return (centered * centered).Sum(dims, keepDim) / Math.Max(0, n - correction);
    }

    public Tensor Var(int dim, int correction = 1, bool keepDim = false) => Var([dim], correction, keepDim);
    public Tensor Var(int correction = 1) => Var(AllDims(), correction);

    public Tensor Std(int[] dims, int correction = 1, bool keepDim = false) => Var(dims, correction, keepDim).Sqrt();
    public Tensor Std(int dim, int correction = 1, bool keepDim = false) => Std([dim], correction, keepDim);
    public Tensor Std(int correction = 1) => Std(AllDims(), correction);

    /// <summary>Maximum along a dim with the index where it occurs (the first, for ties).</summary>
    public (Tensor Values, Tensor Indices) Max(int dim, bool keepDim = false) => Extreme(dim, keepDim, largest: true, "max");

    public (Tensor Values, Tensor Indices) Min(int dim, bool keepDim = false) => Extreme(dim, keepDim, largest: false, "min");

    /// <summary>The largest element (0-d).</summary>
    public Tensor Max() => Flatten().Max(0).Values;

    public Tensor Min() => Flatten().Min(0).Values;

    public Tensor Argmax(int dim, bool keepDim = false) => Extreme(dim, keepDim, largest: true, "argmax").Indices;
    public Tensor Argmin(int dim, bool keepDim = false) => Extreme(dim, keepDim, largest: false, "argmin").Indices;

    /// <summary>Index of the largest element of the flattened tensor.</summary>
    public Tensor Argmax() => Flatten().Argmax(0);

    private (Tensor Values, Tensor Indices) Extreme(int dim, bool keepDim, bool largest, string op)
    {
        int d = ShapeMath.WrapDim(dim, Rank, op);
        var rows = RowsOver([d], op, out var reducedShape, out var keptShape, out int n);
        if (n == 0 && Rank > 0)
            throw new ArgumentException($"{op}: cannot reduce over dim {d} of size 0 (shape {ShapeMath.Format(shape)})");
        int count = ShapeMath.Numel(reducedShape);
        var idx = new long[count];
        for (int r = 0; r < count; r++)
        {
            var row = rows.AsSpan(r * n, n);
            int best = 0;
            for (int i = 1; i < n; i++)
            {
                if (float.IsNaN(row[best])) break; // NaN wins, as in PyTorch
                if (float.IsNaN(row[i]) || (largest ? row[i] > row[best] : row[i] < row[best])) best = i;
            }
            idx[r] = best;
        }
        var indices = new Tensor(new Storage(idx), keptShape);
        // The values are a gather at the indices, so their gradient (of any order) comes for free.
        var values = Rank == 0 ? this : Gather(d, indices);
        if (Rank == 0 || keepDim) return (values, indices);
        return (values.Squeeze(d), indices.Squeeze(d));
    }

    /// <summary>log(sum(exp(x))) over dims, computed stably.</summary>
    public Tensor LogSumExp(int[] dims, bool keepDim = false)
    {
        Tensor shift;
        using (GradMode.NoGrad())
        {
            shift = AmaxDetached(dims);
            var s = shift.F;
            for (int i = 0; i < s.Length; i++) if (float.IsInfinity(s[i])) s[i] = 0f;
        }
        var result = (this - shift).Exp().Sum(dims, keepDim: true).Log() + shift;
        return keepDim ? result : result.Reshape(ReducedShape(dims, "logsumexp"));
    }

    public Tensor LogSumExp(int dim, bool keepDim = false) => LogSumExp([dim], keepDim);

    private Tensor AmaxDetached(int[] dims)
    {
        var rows = RowsOver(dims, "amax", out _, out var keptShape, out int n);
        var result = Empty(keptShape);
        var o = result.F;
        for (int r = 0; r < o.Length; r++) o[r] = n == 0 ? float.NegativeInfinity : TensorPrimitives.Max(rows.AsSpan(r * n, n));
        return result;
    }

    /// <summary>exp(x) / sum(exp(x)) along <paramref name="dim"/>.</summary>
    public Tensor Softmax(int dim)
    {
        int d = ShapeMath.WrapDim(dim, Rank, "softmax");
        var result = RowWise(d, "softmax", static (row, dst) => TensorPrimitives.SoftMax(row, dst));
        return Graph.Record("SoftmaxBackward", result, (g, _) => [result * (g - (g * result).Sum(d, keepDim: true))], this);
    }

    /// <summary>log(softmax(x)) along <paramref name="dim"/>, computed stably.</summary>
    public Tensor LogSoftmax(int dim)
    {
        int d = ShapeMath.WrapDim(dim, Rank, "log_softmax");
        var result = RowWise(d, "log_softmax", static (row, dst) =>
        {
            if (row.Length == 0) return;
            float max = TensorPrimitives.Max(row);
            if (float.IsInfinity(max)) max = 0f;
            TensorPrimitives.Subtract(row, max, dst);
            float sum = 0f;
            foreach (var v in dst) sum += MathF.Exp(v);
            TensorPrimitives.Subtract(dst, MathF.Log(sum), dst);
        });
        return Graph.Record("LogSoftmaxBackward", result, (g, _) => [g - result.Exp() * g.Sum(d, keepDim: true)], this);
    }

    private delegate void RowKernel(ReadOnlySpan<float> row, Span<float> destination);

    /// <summary>Applies a kernel to every row along <paramref name="dim"/>; the result has this tensor's shape.</summary>
    private Tensor RowWise(int dim, string op, RowKernel kernel)
    {
        var rows = RowsOver([dim], op, out _, out _, out int n);
        var laid = Empty(Rank == 0 ? [] : [.. shape.Where((_, i) => i != dim), shape[dim]]);
        var o = laid.F;
        for (int r = 0; n > 0 && r < o.Length / n; r++) kernel(rows.AsSpan(r * n, n), o.AsSpan(r * n, n));
        if (Rank == 0) return laid;
        // Move the row dim back where it came from.
        var back = new int[Rank];
        for (int i = 0, k = 0; i < Rank; i++) back[i] = i == dim ? Rank - 1 : k++;
        using (GradMode.NoGrad()) return laid.Permute(back).Contiguous().Detach();
    }

    /// <summary>The k largest (or smallest) values along a dim and their indices, sorted.</summary>
    public (Tensor Values, Tensor Indices) TopK(int k, int dim = -1, bool largest = true)
    {
        int d = ShapeMath.WrapDim(dim, Rank, "topk");
        var rows = RowsOver([d], "topk", out _, out var keptShape, out int n);
        if (k < 0 || k > n) throw new ArgumentOutOfRangeException(nameof(k), $"topk: k = {k} is out of range for dim {d} of size {n}");
        int count = n == 0 ? ShapeMath.Numel(keptShape) : rows.Count / n;
        var idx = new long[count * k];
        var order = new int[n];
        for (int r = 0; r < count; r++)
        {
            var row = rows.AsSpan(r * n, n).ToArray();
            for (int i = 0; i < n; i++) order[i] = i;
            // Stable sort: among equal values the lower index comes first.
            Array.Sort(order, (p, q) =>
            {
                int c = largest ? CompareDescending(row[p], row[q]) : CompareDescending(row[q], row[p]);
                return c != 0 ? c : p.CompareTo(q);
            });
            for (int j = 0; j < k; j++) idx[r * k + j] = order[j];
        }
        var outShape = keptShape.ToArray();
        outShape[d] = k;
        // Indices were laid out with dim d last; move it back to its place.
        var laidShape = outShape.Where((_, i) => i != d).Append(k).ToArray();
        var back = new int[Rank];
        for (int i = 0, j = 0; i < Rank; i++) back[i] = i == d ? Rank - 1 : j++;
        var indices = new Tensor(new Storage(idx), laidShape).Permute(back).Contiguous();
        return (Gather(d, indices), indices);
    }

    private static int CompareDescending(float a, float b) =>
        float.IsNaN(a) ? (float.IsNaN(b) ? 0 : -1) : float.IsNaN(b) ? 1 : b.CompareTo(a);
}
