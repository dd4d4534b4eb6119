using Corvid.Tensors.Autograd;
using Corvid.Tensors.Kernels;

namespace Corvid.Tensors;

/// <summary>Matrix products: matmul with PyTorch's 1-D and broadcasting rules, mm, bmm, dot.</summary>
public sealed partial class Tensor
{
    /// <summary>Matrix product with PyTorch's rules: 1-D operands are promoted and the added dim removed; batch dims broadcast.</summary>
    public Tensor Matmul(Tensor other)
    {
        Tensor a = this, b = other;
        a.RequireDType(DType.Float32, "matmul");
        b.RequireDType(DType.Float32, "matmul");
        if (a.Rank == 0 || b.Rank == 0)
            throw new ArgumentException($"matmul: both arguments need at least 1 dimension, got shapes {ShapeMath.Format(a.shape)} and {ShapeMath.Format(b.shape)}");
        if (a.Rank == 1 && b.Rank == 1)
        {
            if (a.shape[0] != b.shape[0])
                throw new ArgumentException($"matmul: 1-D tensors of sizes {a.shape[0]} and {b.shape[0]} cannot be multiplied (dot product needs equal sizes)");
            return a.Unsqueeze(0).MatmulCore(b.Unsqueeze(1)).Reshape();
        }
        if (a.Rank == 1) return a.Unsqueeze(0).MatmulCore(b).Squeeze(-2);
        if (b.Rank == 1) return a.MatmulCore(b.Unsqueeze(1)).Squeeze(-1);
        return a.MatmulCore(b);
    }

    /// <summary>2-D matrix product.</summary>
    public Tensor Mm(Tensor other)
    {
        if (Rank != 2 || other.Rank != 2)
            throw new ArgumentException($"mm: expected 2-D tensors, got shapes {ShapeMath.Format(shape)} and {ShapeMath.Format(other.shape)}");
        return MatmulCore(other);
    }

    /// <summary>Batched matrix product of [b, n, m] and [b, m, p] (no broadcasting, as <c>torch.bmm</c>).</summary>
    public Tensor Bmm(Tensor other)
    {
        if (Rank != 3 || other.Rank != 3)
            throw new ArgumentException($"bmm: expected 3-D tensors, got shapes {ShapeMath.Format(shape)} and {ShapeMath.Format(other.shape)}");
        if (shape[0] != other.shape[0])
            throw new ArgumentException($"bmm: batch sizes differ: {ShapeMath.Format(shape)} and {ShapeMath.Format(other.shape)}");
        return MatmulCore(other);
    }

    public Tensor Dot(Tensor other)
    {
        if (Rank != 1 || other.Rank != 1)
            throw new ArgumentException($"dot: expected 1-D tensors, got shapes {ShapeMath.Format(shape)} and {ShapeMath.Format(other.shape)}");
        return Matmul(other);
    }

    /// <summary>
    /// x [m, k] · weightᵀ + bias for a weight [n, k] and an optional bias [n] (torch's addmm behind F.linear).
    /// C starts as the bias rows and the GEMM accumulates onto it, so there is no second pass over the output;
    /// the backward is exactly the three products addmm's is (g·W, gᵀ·x, the column sums of g), written with
    /// differentiable ops so it can be differentiated again, and the weight's gradient comes out [n, k] contiguous.
    /// </summary>
    internal static Tensor LinearRows(Tensor x, Tensor weight, Tensor? bias)
    {
        int m = x.shape[0], k = x.shape[1], n = weight.shape[0];
        var result = Empty([m, n]);
        var o = result.F;
        if (bias is null)
        {
            if (k == 0) o.AsSpan().Clear();
        }
        else
        {
            var b = bias.IsContiguous ? bias : bias.Contiguous();
            var row = b.F.AsSpan(b.Offset, n);
            for (int i = 0; i < m; i++) row.CopyTo(o.AsSpan(i * n, n));
        }
        if (m > 0 && n > 0 && k > 0)
        {
            // B = weightᵀ read in place: element (p, j) is weight[j, p].
            Gemm.Multiply(m, n, k,
                x.F.AsSpan(x.Offset), x.strides[0], x.strides[1],
                weight.F.AsSpan(weight.Offset), weight.strides[1], weight.strides[0],
                o, n, accumulate: bias is not null);
        }
        var w = weight;
        return bias is null
            ? Graph.Record("AddmmBackward", result, (g, needs) =>
                [needs[0] ? g.MatmulCore(w) : null, needs[1] ? g.MT.MatmulCore(x) : null], x, weight)
            : Graph.Record("AddmmBackward", result, (g, needs) =>
                [needs[0] ? g.MatmulCore(w) : null, needs[1] ? g.MT.MatmulCore(x) : null, needs[2] ? g.Sum(0) : null], x, weight, bias);
    }

    /// <summary>[..., m, k] × [..., k, n] with broadcast batch dims; both operands have rank ≥ 2.</summary>
    private Tensor MatmulCore(Tensor other)
    {
        Tensor a = this, b = other;
        int m = a.shape[^2], k = a.shape[^1], k2 = b.shape[^2], n = b.shape[^1];
        if (k != k2)
            throw new ArgumentException($"matmul: shapes {ShapeMath.Format(a.shape)} and {ShapeMath.Format(b.shape)} cannot be multiplied ({m}x{k} and {k2}x{n})");

        // A stack of row-vectors times one matrix is a single big matrix product.
        if (b.Rank == 2 && a.Rank > 2 && a.IsContiguous)
        {
            var folded = a.Reshape(-1, k).MatmulCore(b);
            return folded.Reshape([.. a.shape[..^1], n]);
        }

        var batch = ShapeMath.Broadcast(a.shape.AsSpan(0, a.Rank - 2), b.shape.AsSpan(0, b.Rank - 2), "matmul (batch dims)");
        var ae = a.ExpandView([.. batch, m, k], "matmul");
        var be = b.ExpandView([.. batch, k, n], "matmul");
        var result = Empty([.. batch, m, n]);
        int batchCount = ShapeMath.Numel(batch);
        if (batchCount > 0 && m > 0 && n > 0)
        {
            var aBatchStrides = ae.strides[..^2];
            var bBatchStrides = be.strides[..^2];
            int aRow = ae.strides[^2], aCol = ae.strides[^1], bRow = be.strides[^2], bCol = be.strides[^1];
            var o = result.F;
            for (int i = 0; i < batchCount; i++)
            {
                Gemm.Multiply(m, n, k,
                    ae.F.AsSpan(ae.Offset + ShapeMath.OffsetOf(i, batch, aBatchStrides)), aRow, aCol,
                    be.F.AsSpan(be.Offset + ShapeMath.OffsetOf(i, batch, bBatchStrides)), bRow, bCol,
                    o.AsSpan(i * m * n, m * n), n, accumulate: false);
                if (k == 0) o.AsSpan(i * m * n, m * n).Clear();
            }
        }
        return Graph.Record("MmBackward", result, (g, needs) =>
            [needs[0] ? g.MatmulCore(b.MT).SumTo(a.shape) : null, needs[1] ? a.MT.MatmulCore(g).SumTo(b.shape) : null], a, b);
    }
}
