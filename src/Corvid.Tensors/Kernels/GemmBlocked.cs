using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Corvid.Tensors.Kernels;

/// <summary>
/// The cache-blocked GEMM (the Goto/BLIS loop nest): for each Nc-wide panel of B and each Kc-deep
/// slice, pack B; for each Mc-tall block of A, pack A; then sweep micro-tiles, each B sliver staying
/// in L1 while the A block streams from L2.
/// </summary>
/// <remarks>
/// Threads split C into a grid of rectangles, never the k dimension: every element of C is summed by
/// the same micro-kernel in the same order whatever the thread count, so results are bit-identical.
/// </remarks>
internal static unsafe class GemmBlocked
{
    /// <summary>Below this many flops per thread, waking another thread costs more than it saves.</summary>
    const long MinFlopsPerThread = 1L << 20;

    /// <summary>
    /// <c>C (+)= A·B</c> on the packed path of the widest micro-kernel, never the skinny one: for callers that
    /// know their product packs well although one side is short (fused attention's head-wide products of a
    /// whole block of rows). Same operand meaning as <see cref="Gemm.Multiply(int, int, int, ReadOnlySpan{float}, int, int, ReadOnlySpan{float}, int, int, Span{float}, int, bool)"/>.
    /// </summary>
    public static void Multiply(int m, int n, int k, ReadOnlySpan<float> a, int aRow, int aCol,
        ReadOnlySpan<float> b, int bRow, int bCol, Span<float> c, int ldc, bool accumulate)
    {
        if (m <= 0 || n <= 0 || k <= 0 || GemmIsaSelection.Best != GemmIsa.Vector512)
        {
            Gemm.Multiply(m, n, k, a, aRow, aCol, b, bRow, bCol, c, ldc, accumulate);
            return;
        }
        if ((long)(m - 1) * aRow + (long)(k - 1) * aCol >= a.Length || (long)(k - 1) * bRow + (long)(n - 1) * bCol >= b.Length
            || (long)(m - 1) * ldc + n > c.Length || ldc < n || aRow < 0 || aCol < 0 || bRow < 0 || bCol < 0)
            throw new ArgumentException($"gemm: operands of a {m}x{n}x{k} product (strides A ({aRow}, {aCol}), B ({bRow}, {bCol}), ldc {ldc}) "
                + $"do not fit spans of {a.Length}, {b.Length} and {c.Length}");
        fixed (float* pa = a, pb = b, pc = c)
        {
            var op = new GemmOperands
            {
                M = m, N = n, K = k, A = pa, ARow = aRow, ACol = aCol, B = pb, BRow = bRow, BCol = bCol, C = pc, Ldc = ldc, Accumulate = accumulate,
            };
            Multiply<GemmKernel512>(op);
        }
    }

    public static void Multiply<K>(in GemmOperands op) where K : struct, IGemmMicroKernel =>
        Multiply<K, StridedPanel>(op, new StridedPanel(op));

    /// <summary>The product with B's panels produced by <paramref name="panel"/> (e.g. straight from an image, for a convolution).</summary>
    public static void Multiply<K, TPanel>(in GemmOperands op, in TPanel panel)
        where K : struct, IGemmMicroKernel where TPanel : struct, IBPanel
    {
        int threads = (int)Math.Clamp(op.Flops / MinFlopsPerThread, 1, WorkerPool.AvailableThreads);
        var (rowParts, colParts) = GemmGrid.Plan(op.M, op.N, threads, K.Mr, K.Nr);
        var work = new Work<K, TPanel> { Op = op, Panel = panel, RowParts = rowParts, ColParts = colParts };
        WorkerPool.Run(ref work, rowParts * colParts);
    }

    struct Work<K, TPanel> : IParallelWork where K : struct, IGemmMicroKernel where TPanel : struct, IBPanel
    {
        public GemmOperands Op;
        public TPanel Panel;
        public int RowParts, ColParts;

        public readonly void Execute(int part, int parts)
        {
            int r = part / ColParts, c = part % ColParts;
            var (i0, i1) = GemmGrid.Range(Op.M, K.Mr, RowParts, r);
            var (j0, j1) = GemmGrid.Range(Op.N, K.Nr, ColParts, c);
            if (i0 < i1 && j0 < j1) Rectangle<K, TPanel>(Op, Panel, i0, i1, j0, j1);
        }
    }

    /// <summary>Computes <c>C[i0..i1, j0..j1]</c> on the calling thread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Rectangle<K, TPanel>(in GemmOperands op, in TPanel panel, int i0, int i1, int j0, int j1)
        where K : struct, IGemmMicroKernel where TPanel : struct, IBPanel
    {
        int mr = K.Mr, nr = K.Nr;
        float* packedA = PackingBuffers.A(K.Mc * K.Kc);
        float* packedB = PackingBuffers.B(K.Kc * RoundUp(Math.Min(K.Nc, j1 - j0), nr));
        float* tile = PackingBuffers.Scratch(mr * nr + mr);
        float* edgeBias = tile + mr * nr;

        for (int jc = j0; jc < j1; jc += K.Nc)
        {
            int nc = Math.Min(K.Nc, j1 - jc);
            for (int pc = 0; pc < op.K; pc += K.Kc)
            {
                int kc = Math.Min(K.Kc, op.K - pc);
                bool overwrite = pc == 0 && !op.Accumulate;
                panel.Pack(nr, pc, kc, jc, nc, packedB);
                for (int ic = i0; ic < i1; ic += K.Mc)
                {
                    int mc = Math.Min(K.Mc, i1 - ic);
                    GemmPacking.PackA(mr, mc, kc, op.A + (long)ic * op.ARow + (long)pc * op.ACol, op.ARow, op.ACol, packedA);
                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        int cols = Math.Min(nr, nc - jr);
                        float* b = packedB + jr * kc;
                        for (int ir = 0; ir < mc; ir += mr)
                        {
                            int rows = Math.Min(mr, mc - ir);
                            float* a = packedA + ir * kc;
                            float* c = op.C + (long)(ic + ir) * op.Ldc + jc + jr;
                            float* bias = op.RowBias == null ? null : op.RowBias + ic + ir;
                            if (rows == mr && cols == nr)
                            {
                                K.Run(kc, a, b, nr, c, op.Ldc, overwrite, bias);
                                continue;
                            }
                            // A ragged edge: compute the full tile aside, then keep the part inside C.
                            if (bias != null && overwrite)
                            {
                                for (int i = 0; i < mr; i++) edgeBias[i] = i < rows ? bias[i] : 0f;
                                bias = edgeBias;
                            }
                            K.Run(kc, a, b, nr, tile, nr, overwrite: true, overwrite ? bias : null);
                            for (int i = 0; i < rows; i++)
                            {
                                float* src = tile + i * nr, dst = c + (long)i * op.Ldc;
                                int j = 0;
                                // Ragged rows (M not a multiple of Mr, as 128 or 256 rows on 12) keep whole vectors.
                                if (Vector512.IsHardwareAccelerated)
                                    for (; j + 16 <= cols; j += 16)
                                    {
                                        var sum = Vector512.Load(src + j);
                                        (overwrite ? sum : Vector512.Load(dst + j) + sum).Store(dst + j);
                                    }
                                for (; j < cols; j++) dst[j] = overwrite ? src[j] : dst[j] + src[j];
                            }
                        }
                    }
                }
            }
        }
    }

    static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
