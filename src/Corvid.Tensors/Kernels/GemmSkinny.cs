using System.Runtime.CompilerServices;

namespace Corvid.Tensors.Kernels;

/// <summary>
/// Products where one side of C has only a few rows (inference: a batch of one to a few tokens),
/// done without packing. Packing B would cost as much as using it, since each element of B meets only
/// those few rows; instead B is streamed once, straight from the caller's memory, for all of them.
/// </summary>
/// <remarks>
/// Two layouts of B stream well. Columns of B contiguous (<c>x · Wᵀ</c>, a Linear layer's weight
/// <c>[out, in]</c>), up to 32 rows: each element of C is a dot product of two contiguous runs. Rows of B
/// contiguous (<c>x · W</c>), up to <see cref="MaxRowsOfB"/> rows: register tiles of C over blocks of rows of B
/// (<see cref="GemmSkinnyRows"/>). A product with few columns instead of few rows is the same problem transposed.
/// Threads split the long side.
/// </remarks>
internal static unsafe class GemmSkinny
{
    /// <summary>
    /// The most rows of C <see cref="GemmSkinnyRows"/> takes when rows of B are contiguous; above it, packing pays
    /// off. Measured at 4096x4096: 32 rows 14.4-14.8 ms against 20.7-21.6 packed (one thread), 9.4-9.8 against
    /// 9.9-11.1 (two); 48 rows about even (22.1-22.3 against 22.7-23.1 one thread, 12.8-13.3 against 12.1-12.6 two).
    /// </summary>
    public const int MaxRowsOfB = 40;

    /// <summary>The most rows (or, transposed, columns) of C the dot form takes; above it, packing pays off.</summary>
    public const int MaxDotRows = 32;

    /// <summary>Below this many flops per thread, waking another thread costs more than it saves.</summary>
    const long MinFlopsPerThread = 1L << 18;

    /// <summary>Computes the product if its shape and layout suit this path; false leaves it to the blocked path.</summary>
    public static bool TryMultiply<TVector, TOps>(in GemmOperands op)
        where TVector : struct where TOps : struct, IVectorOps<TVector>
    {
        if (op.M <= MaxDotRows && op.BRow == 1)
            return Run<TVector, TOps>(op, op.Ldc, 1);
        // Few columns as well as more than a few rows: the transposed dot form first, since the register tiles
        // of GemmSkinnyRows span 48 columns (measured, one thread: 40x8x4096 0.06 against 0.45 ms, 16x24x65536
        // 3.1 against 4.3 ms; but 4x24x65536 1.8-2.2 against 1.7 ms).
        bool fewColumns = op.N <= MaxDotRows && op.ACol == 1 && op.RowBias == null;
        if (fewColumns && (op.M > 4 || op.BCol != 1))
            return Run<TVector, TOps>(op.Transposed(out int cRow, out int cCol), cRow, cCol);
        if (op.M <= MaxRowsOfB && op.BCol == 1)
        {
            GemmSkinnyRows.Run<TVector, TOps>(op);
            return true;
        }
        return false;
    }

    static bool Run<TVector, TOps>(in GemmOperands op, int cRow, int cCol)
        where TVector : struct where TOps : struct, IVectorOps<TVector>
    {
        // Pieces start at multiples of the 4-column dot group, so where a column falls (in a group or in
        // the scalar tail) is the same for every thread count.
        const int align = 4;
        int threads = (int)Math.Clamp(op.Flops / MinFlopsPerThread, 1, Math.Min(WorkerPool.AvailableThreads, Math.Max(1, op.N / align)));
        var work = new Work<TVector, TOps> { Op = op, CRow = cRow, CCol = cCol };
        WorkerPool.Run(ref work, threads);
        return true;
    }

    struct Work<TVector, TOps> : IParallelWork
        where TVector : struct where TOps : struct, IVectorOps<TVector>
    {
        public GemmOperands Op;
        public int CRow, CCol;

        public readonly void Execute(int part, int parts)
        {
            const int align = 4;
            int units = (Op.N + align - 1) / align;
            int j0 = Math.Min(Op.N, (int)((long)units * part / parts) * align);
            int j1 = Math.Min(Op.N, (int)((long)units * (part + 1) / parts) * align);
            if (j0 < j1) DotColumns<TVector, TOps>(Op, CRow, CCol, j0, j1);
        }
    }

    /// <summary>
    /// All rows of C (at most 32), columns <c>[j0, j1)</c>, when columns of B are contiguous: each element is
    /// a dot product of two contiguous runs. Four columns of B at a time meet every row of A while they
    /// are in cache, so B is read from memory once.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void DotColumns<TVector, TOps>(in GemmOperands op, int cRow, int cCol, int j0, int j1)
        where TVector : struct where TOps : struct, IVectorOps<TVector>
    {
        int k = op.K;
        // Rows of A must be contiguous runs too; if they are not, copy these few rows once.
        float* a = op.A;
        int aRow = op.ARow;
        if (op.ACol != 1)
        {
            float* copy = PackingBuffers.Scratch(op.M * k);
            for (int r = 0; r < op.M; r++)
                for (int p = 0; p < k; p++) copy[(long)r * k + p] = a[(long)r * op.ARow + (long)p * op.ACol];
            a = copy;
            aRow = k;
        }
        int j = j0;
        for (; j + 4 <= j1; j += 4)
        {
            float* b0 = op.B + (long)j * op.BCol, b1 = b0 + op.BCol, b2 = b1 + op.BCol, b3 = b2 + op.BCol;
            float* c = op.C + (long)j * cCol;
            for (int i0 = 0; i0 < op.M; i0 += 4)
            {
                int rows = Math.Min(4, op.M - i0);
                float* ai = a + (long)i0 * aRow;
                float* ci = c + (long)i0 * cRow;
                if (rows == 1)
                {
                    Store(op, i0, ci, cCol, Dot4<TVector, TOps>(ai, b0, b1, b2, b3, k));
                    continue;
                }
                // Missing rows repeat the last real one; their sums are computed and dropped.
                float* a1 = ai + (long)Math.Min(1, rows - 1) * aRow;
                float* a2 = ai + (long)Math.Min(2, rows - 1) * aRow;
                float* a3 = ai + (long)Math.Min(3, rows - 1) * aRow;
                var (r0, r1, r2, r3) = Dot16<TVector, TOps>(ai, a1, a2, a3, b0, b1, b2, b3, k);
                Store(op, i0, ci, cCol, r0);
                if (rows > 1) Store(op, i0 + 1, ci + cRow, cCol, r1);
                if (rows > 2) Store(op, i0 + 2, ci + 2L * cRow, cCol, r2);
                if (rows > 3) Store(op, i0 + 3, ci + 3L * cRow, cCol, r3);
            }
        }
        // Fewer than four columns left (only ever at the last columns of C).
        for (; j < j1; j++)
        {
            float* b = op.B + (long)j * op.BCol;
            for (int r = 0; r < op.M; r++)
            {
                float sum = Dot<TVector, TOps>(a + (long)r * aRow, b, k);
                float* cell = op.C + (long)r * cRow + (long)j * cCol;
                *cell = op.Accumulate ? *cell + sum : op.RowBias != null ? sum + op.RowBias[r] : sum;
            }
        }
    }

    static void Store(in GemmOperands op, int row, float* c, int cCol, (float, float, float, float) sums)
    {
        if (op.Accumulate)
        {
            c[0] += sums.Item1; c[cCol] += sums.Item2; c[2 * cCol] += sums.Item3; c[3 * cCol] += sums.Item4;
            return;
        }
        if (op.RowBias != null)
        {
            float b = op.RowBias[row];
            sums = (sums.Item1 + b, sums.Item2 + b, sums.Item3 + b, sums.Item4 + b);
        }
        c[0] = sums.Item1; c[cCol] = sums.Item2; c[2 * cCol] = sums.Item3; c[3 * cCol] = sums.Item4;
    }

    /// <summary>One row of A against four columns of B.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static (float, float, float, float) Dot4<TVector, TOps>(float* a, float* b0, float* b1, float* b2, float* b3, int k)
        where TVector : struct where TOps : struct, IVectorOps<TVector>
    {
        int w = TOps.Count, p = 0;
        TVector s0 = TOps.Zero, s1 = TOps.Zero, s2 = TOps.Zero, s3 = TOps.Zero;
        for (; p + w <= k; p += w)
        {
            var x = TOps.Load(a + p);
            s0 = TOps.MultiplyAdd(x, TOps.Load(b0 + p), s0);
            s1 = TOps.MultiplyAdd(x, TOps.Load(b1 + p), s1);
            s2 = TOps.MultiplyAdd(x, TOps.Load(b2 + p), s2);
            s3 = TOps.MultiplyAdd(x, TOps.Load(b3 + p), s3);
        }
        float t0 = TOps.Sum(s0), t1 = TOps.Sum(s1), t2 = TOps.Sum(s2), t3 = TOps.Sum(s3);
        for (; p < k; p++)
        {
            t0 += a[p] * b0[p]; t1 += a[p] * b1[p]; t2 += a[p] * b2[p]; t3 += a[p] * b3[p];
        }
        return (t0, t1, t2, t3);
    }

    /// <summary>Four rows of A against four columns of B: sixteen sums, returned row by row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static ((float, float, float, float), (float, float, float, float), (float, float, float, float), (float, float, float, float)) Dot16<TVector, TOps>(
        float* a0, float* a1, float* a2, float* a3, float* b0, float* b1, float* b2, float* b3, int k)
        where TVector : struct where TOps : struct, IVectorOps<TVector>
    {
        int w = TOps.Count, p = 0;
        TVector s00 = TOps.Zero, s01 = TOps.Zero, s02 = TOps.Zero, s03 = TOps.Zero;
        TVector s10 = TOps.Zero, s11 = TOps.Zero, s12 = TOps.Zero, s13 = TOps.Zero;
        TVector s20 = TOps.Zero, s21 = TOps.Zero, s22 = TOps.Zero, s23 = TOps.Zero;
        TVector s30 = TOps.Zero, s31 = TOps.Zero, s32 = TOps.Zero, s33 = TOps.Zero;
        for (; p + w <= k; p += w)
        {
            var y0 = TOps.Load(b0 + p);
            var y1 = TOps.Load(b1 + p);
            var y2 = TOps.Load(b2 + p);
            var y3 = TOps.Load(b3 + p);
            var x = TOps.Load(a0 + p);
            s00 = TOps.MultiplyAdd(x, y0, s00); s01 = TOps.MultiplyAdd(x, y1, s01); s02 = TOps.MultiplyAdd(x, y2, s02); s03 = TOps.MultiplyAdd(x, y3, s03);
            x = TOps.Load(a1 + p);
            s10 = TOps.MultiplyAdd(x, y0, s10); s11 = TOps.MultiplyAdd(x, y1, s11); s12 = TOps.MultiplyAdd(x, y2, s12); s13 = TOps.MultiplyAdd(x, y3, s13);
            x = TOps.Load(a2 + p);
            s20 = TOps.MultiplyAdd(x, y0, s20); s21 = TOps.MultiplyAdd(x, y1, s21); s22 = TOps.MultiplyAdd(x, y2, s22); s23 = TOps.MultiplyAdd(x, y3, s23);
            x = TOps.Load(a3 + p);
            s30 = TOps.MultiplyAdd(x, y0, s30); s31 = TOps.MultiplyAdd(x, y1, s31); s32 = TOps.MultiplyAdd(x, y2, s32); s33 = TOps.MultiplyAdd(x, y3, s33);
        }
        var r0 = (TOps.Sum(s00), TOps.Sum(s01), TOps.Sum(s02), TOps.Sum(s03));
        var r1 = (TOps.Sum(s10), TOps.Sum(s11), TOps.Sum(s12), TOps.Sum(s13));
        var r2 = (TOps.Sum(s20), TOps.Sum(s21), TOps.Sum(s22), TOps.Sum(s23));
        var r3 = (TOps.Sum(s30), TOps.Sum(s31), TOps.Sum(s32), TOps.Sum(s33));
        for (; p < k; p++)
        {
            r0.Item1 += a0[p] * b0[p]; r0.Item2 += a0[p] * b1[p]; r0.Item3 += a0[p] * b2[p]; r0.Item4 += a0[p] * b3[p];
            r1.Item1 += a1[p] * b0[p]; r1.Item2 += a1[p] * b1[p]; r1.Item3 += a1[p] * b2[p]; r1.Item4 += a1[p] * b3[p];
            r2.Item1 += a2[p] * b0[p]; r2.Item2 += a2[p] * b1[p]; r2.Item3 += a2[p] * b2[p]; r2.Item4 += a2[p] * b3[p];
            r3.Item1 += a3[p] * b0[p]; r3.Item2 += a3[p] * b1[p]; r3.Item3 += a3[p] * b2[p]; r3.Item4 += a3[p] * b3[p];
        }
        return (r0, r1, r2, r3);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static float Dot<TVector, TOps>(float* a, float* b, int k)
        where TVector : struct where TOps : struct, IVectorOps<TVector>
    {
        int w = TOps.Count, p = 0;
        TVector s = TOps.Zero;
        for (; p + w <= k; p += w) s = TOps.MultiplyAdd(TOps.Load(a + p), TOps.Load(b + p), s);
        float t = TOps.Sum(s);
        for (; p < k; p++) t += a[p] * b[p];
        return t;
    }
}
