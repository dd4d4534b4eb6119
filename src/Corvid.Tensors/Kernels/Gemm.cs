using System.Runtime.Intrinsics;

namespace Corvid.Tensors.Kernels;

/// <summary>
/// Single-precision matrix multiply on strided operands: the one entry point every matmul, bmm,
/// einsum and convolution in the engine goes through.
/// </summary>
/// <remarks>
/// Operands are described by a row stride and a column stride, so a transposed or otherwise
/// strided view is multiplied without a copy: element (i, p) of A is <c>a[i * aRow + p * aCol]</c>,
/// element (p, j) of B is <c>b[p * bRow + j * bCol]</c>. C is row-major with leading dimension
/// <c>ldc</c>. With <c>accumulate</c> the product is added to C, otherwise C is overwritten.
/// <para>
/// Products with a few rows or columns stream the other operand without packing it
/// (<see cref="GemmSkinny"/>); the rest go through the cache-blocked, packed path
/// (<see cref="GemmBlocked"/>) on the widest micro-kernel the machine has. Both use
/// <see cref="Threads.Count"/> threads and give bit-identical results for any thread count.
/// </para>
/// </remarks>
public static unsafe class Gemm
{
    public static void Multiply(
        int m, int n, int k,
        ReadOnlySpan<float> a, int aRow, int aCol,
        ReadOnlySpan<float> b, int bRow, int bCol,
        Span<float> c, int ldc, bool accumulate) =>
        Multiply(m, n, k, a, aRow, aCol, b, bRow, bCol, c, ldc, accumulate, GemmIsaSelection.Best);

    /// <summary>The same product on a chosen micro-kernel variant (tests run every variant the machine has).</summary>
    internal static void Multiply(
        int m, int n, int k,
        ReadOnlySpan<float> a, int aRow, int aCol,
        ReadOnlySpan<float> b, int bRow, int bCol,
        Span<float> c, int ldc, bool accumulate, GemmIsa isa)
    {
        CheckShape(m, n, k, ldc);
        CheckExtent("A", a.Length, 0, m, aRow, k, aCol);
        CheckExtent("B", b.Length, 0, k, bRow, n, bCol);
        CheckExtent("C", c.Length, 0, m, ldc, n, 1);
        if (m == 0 || n == 0) return;
        fixed (float* pa = a, pb = b, pc = c)
        {
            var op = new GemmOperands
            {
                M = m, N = n, K = k,
                A = pa, ARow = aRow, ACol = aCol,
                B = pb, BRow = bRow, BCol = bCol,
                C = pc, Ldc = ldc, Accumulate = accumulate,
            };
            Run(op, isa);
        }
    }

    /// <summary>
    /// <paramref name="batch"/> independent products of one shape, like <c>torch.bmm</c>: product t reads A at
    /// <c>a[t * aBatchStride + …]</c>, B at <c>b[t * bBatchStride + …]</c> and writes C at <c>c[t * cBatchStride + …]</c>,
    /// each with the row and column strides of <see cref="Multiply(int, int, int, ReadOnlySpan{float}, int, int, ReadOnlySpan{float}, int, int, Span{float}, int, bool)"/>.
    /// A batch stride of 0 for A or B broadcasts that operand over the batch (the same weight for every item).
    /// </summary>
    public static void MultiplyBatched(
        int batch, int m, int n, int k,
        ReadOnlySpan<float> a, long aBatchStride, int aRow, int aCol,
        ReadOnlySpan<float> b, long bBatchStride, int bRow, int bCol,
        Span<float> c, long cBatchStride, int ldc, bool accumulate)
    {
        CheckShape(m, n, k, ldc);
        if (batch < 0) throw new ArgumentException($"gemm: batch must be non-negative, got {batch}");
        if (aBatchStride < 0 || bBatchStride < 0 || cBatchStride < 0)
            throw new ArgumentException($"gemm: batch strides must be non-negative, got A {aBatchStride}, B {bBatchStride}, C {cBatchStride}");
        if (batch > 1 && m > 0 && n > 0 && cBatchStride < (long)(m - 1) * ldc + n)
            throw new ArgumentException($"gemm: C batch stride {cBatchStride} makes the {batch} outputs of {m}x{n} (ldc {ldc}) overlap");
        if (batch == 0) return;
        CheckExtent("A", a.Length, (batch - 1) * aBatchStride, m, aRow, k, aCol);
        CheckExtent("B", b.Length, (batch - 1) * bBatchStride, k, bRow, n, bCol);
        CheckExtent("C", c.Length, (batch - 1) * cBatchStride, m, ldc, n, 1);
        if (m == 0 || n == 0) return;
        fixed (float* pa = a, pb = b, pc = c)
        {
            var op = new GemmOperands
            {
                M = m, N = n, K = k,
                A = pa, ARow = aRow, ACol = aCol,
                B = pb, BRow = bRow, BCol = bCol,
                C = pc, Ldc = ldc, Accumulate = accumulate,
            };
            GemmBatch.Run(op, batch, aBatchStride, bBatchStride, cBatchStride);
        }
    }

    /// <summary>
    /// The textbook triple loop, summing in double precision: the yardstick tests compare the fast
    /// paths with. Same arguments and meaning as <c>Multiply</c>.
    /// </summary>
    public static void ReferenceMultiply(
        int m, int n, int k,
        ReadOnlySpan<float> a, int aRow, int aCol,
        ReadOnlySpan<float> b, int bRow, int bCol,
        Span<float> c, int ldc, bool accumulate)
    {
        CheckShape(m, n, k, ldc);
        CheckExtent("A", a.Length, 0, m, aRow, k, aCol);
        CheckExtent("B", b.Length, 0, k, bRow, n, bCol);
        CheckExtent("C", c.Length, 0, m, ldc, n, 1);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = accumulate ? c[i * ldc + j] : 0.0;
                for (int p = 0; p < k; p++) sum += (double)a[i * aRow + p * aCol] * b[p * bRow + j * bCol];
                c[i * ldc + j] = (float)sum;
            }
        }
    }

    /// <summary>Runs one product on the calling thread's share of the pool, on the given variant.</summary>
    internal static void Run(in GemmOperands op, GemmIsa isa)
    {
        if (op.K == 0)
        {
            if (!op.Accumulate)
                for (int i = 0; i < op.M; i++) new Span<float>(op.C + (long)i * op.Ldc, op.N).Fill(op.RowBias == null ? 0f : op.RowBias[i]);
            return;
        }
        switch (isa)
        {
            case GemmIsa.Vector512:
                if (!GemmSkinny.TryMultiply<Vector512<float>, Vector512Ops>(op)) GemmBlocked.Multiply<GemmKernel512>(op);
                break;
            case GemmIsa.Vector256:
                if (!GemmSkinny.TryMultiply<Vector256<float>, Vector256Ops>(op)) GemmBlocked.Multiply<GemmKernel256>(op);
                break;
            case GemmIsa.Vector128:
                if (!GemmSkinny.TryMultiply<Vector128<float>, Vector128Ops>(op)) GemmBlocked.Multiply<GemmKernel128>(op);
                break;
            default:
                GemmBlocked.Multiply<GemmKernelScalar>(op);
                break;
        }
    }

    /// <summary>
    /// The blocked path with B's panels computed by <paramref name="panel"/> rather than read from memory
    /// (op.B is ignored). For shapes the blocked path would take anyway (more than a few rows).
    /// </summary>
    internal static void RunBlocked<TPanel>(in GemmOperands op, in TPanel panel) where TPanel : struct, IBPanel
    {
        switch (GemmIsaSelection.Best)
        {
            case GemmIsa.Vector512: GemmBlocked.Multiply<GemmKernel512, TPanel>(op, panel); break;
            case GemmIsa.Vector256: GemmBlocked.Multiply<GemmKernel256, TPanel>(op, panel); break;
            case GemmIsa.Vector128: GemmBlocked.Multiply<GemmKernel128, TPanel>(op, panel); break;
            default: GemmBlocked.Multiply<GemmKernelScalar, TPanel>(op, panel); break;
        }
    }

    static void CheckShape(int m, int n, int k, int ldc)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentException($"gemm: sizes must be non-negative, got m {m}, n {n}, k {k}");
        if (ldc < n) throw new ArgumentException($"gemm: ldc {ldc} is less than n {n}");
    }

    /// <summary>Checks that every element a rows x cols operand at <paramref name="origin"/> reads lies inside its span.</summary>
    static void CheckExtent(string name, int length, long origin, int rows, int rowStride, int cols, int colStride)
    {
        if (rowStride < 0 || colStride < 0)
            throw new ArgumentException($"gemm: {name} strides must be non-negative, got ({rowStride}, {colStride})");
        if (rows == 0 || cols == 0) return;
        long last = origin + (long)(rows - 1) * rowStride + (long)(cols - 1) * colStride;
        if (last >= length)
            throw new ArgumentException(
                $"gemm: {name} of {rows}x{cols} with strides ({rowStride}, {colStride}) reaches element {last}, but its span has {length}");
    }
}
