using System.Runtime.CompilerServices;

namespace Corvid.Tensors.Kernels;

/// <summary>
/// Products where one side of C has only a few rows (inference: a batch of one to a few tokens),
/// done without packing. Packing B would cost as much as using it, since each element of B meets only
/// those few rows; instead B is streamed once, straight from the caller's memory, for all of them.
/// </summary>
/// <remarks>
/// Two layouts of B stream well. Rows of B contiguous (<c>x · W</c>): each step of k broadcasts one
/// element per row of A against a run of B ("axpy"). Columns of B contiguous (<c>x · Wᵀ</c>, a Linear
/// layer's weight <c>[out, in]</c>): each element of C is a dot product of two contiguous runs. A product
/// with few columns instead of few rows is the same problem transposed. Threads split the long side.
/// </remarks>
internal static unsafe class GemmSkinny
{
    /// <summary>The most rows (of C, or columns, transposed) this path takes; above it, packing pays off.</summary>
    public const int MaxRows = 4;

    /// <summary>Below this many flops per thread, waking another thread costs more than it saves.</summary>
    const long MinFlopsPerThread = 1L << 18;

    /// <summary>Computes the product if its shape and layout suit this path; false leaves it to the blocked path.</summary>
    public static bool TryMultiply<TVector, TOps>(in GemmOperands op)
        where TVector : struct where TOps : struct, IVectorOps<TVector>
    {
        if (op.M <= MaxRows)
            return TryRun<TVector, TOps>(op, op.Ldc, 1);
        if (op.N <= MaxRows)
            return TryRun<TVector, TOps>(op.Transposed(out int cRow, out int cCol), cRow, cCol);
        return false;
    }

    static bool TryRun<TVector, TOps>(in GemmOperands op, int cRow, int cCol)
        where TVector : struct where TOps : struct, IVectorOps<TVector>
    {
        bool axpy = op.BCol == 1 && cCol == 1;
        if (!axpy && op.BRow != 1) return false;
        int align = axpy ? 2 * TOps.Count : 4;
        int threads = (int)Math.Clamp(op.Flops / MinFlopsPerThread, 1, Math.Min(WorkerPool.AvailableThreads, Math.Max(1, op.N / align)));
        var work = new Work<TVector, TOps> { Op = op, CRow = cRow, CCol = cCol, Axpy = axpy, Align = align };
        WorkerPool.Run(ref work, threads);
        return true;
    }

    struct Work<TVector, TOps> : IParallelWork
        where TVector : struct where TOps : struct, IVectorOps<TVector>
    {
        public GemmOperands Op;
        public int CRow, CCol, Align;
        public bool Axpy;

        public readonly void Execute(int part, int parts)
        {
            int units = (Op.N + Align - 1) / Align;
            int j0 = Math.Min(Op.N, (int)((long)units * part / parts) * Align);
            int j1 = Math.Min(Op.N, (int)((long)units * (part + 1) / parts) * Align);
            if (j0 >= j1) return;
            for (int i0 = 0; i0 < Op.M; i0 += 4)
            {
                int rows = Math.Min(4, Op.M - i0);
                if (Axpy) AxpyRows<TVector, TOps>(Op, i0, rows, j0, j1);
                else DotRows<TVector, TOps>(Op, CRow, CCol, i0, rows, j0, j1);
            }
        }
    }

    /// <summary>C rows <c>i0 … i0 + rows − 1</c> (at most 4), columns <c>[j0, j1)</c>, when rows of B are contiguous.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void AxpyRows<TVector, TOps>(in GemmOperands op, int i0, int rows, int j0, int j1)
        where TVector : struct where TOps : struct, IVectorOps<TVector>
    {
        int w = TOps.Count;
        // Missing rows repeat the last real one; their sums are computed and dropped, so B is still read once.
        float* a0 = op.A + (long)i0 * op.ARow;
        float* a1 = op.A + (long)(i0 + Math.Min(1, rows - 1)) * op.ARow;
        float* a2 = op.A + (long)(i0 + Math.Min(2, rows - 1)) * op.ARow;
        float* a3 = op.A + (long)(i0 + Math.Min(3, rows - 1)) * op.ARow;
        float* c = op.C + (long)i0 * op.Ldc;
        int j = j0;
        if (rows == 1)
        {
            for (; j + 4 * w <= j1; j += 4 * w)
            {
                TVector s0 = TOps.Zero, s1 = TOps.Zero, s2 = TOps.Zero, s3 = TOps.Zero;
                float* b = op.B + j;
                for (int p = 0; p < op.K; p++, b += op.BRow)
                {
                    var x = TOps.Broadcast(a0[(long)p * op.ACol]);
                    s0 = TOps.MultiplyAdd(x, TOps.Load(b), s0);
                    s1 = TOps.MultiplyAdd(x, TOps.Load(b + w), s1);
                    s2 = TOps.MultiplyAdd(x, TOps.Load(b + 2 * w), s2);
                    s3 = TOps.MultiplyAdd(x, TOps.Load(b + 3 * w), s3);
                }
                Put<TVector, TOps>(c + j, s0, op.Accumulate);
                Put<TVector, TOps>(c + j + w, s1, op.Accumulate);
                Put<TVector, TOps>(c + j + 2 * w, s2, op.Accumulate);
                Put<TVector, TOps>(c + j + 3 * w, s3, op.Accumulate);
            }
        }
        for (; j + 2 * w <= j1; j += 2 * w)
        {
            TVector s00 = TOps.Zero, s01 = TOps.Zero, s10 = TOps.Zero, s11 = TOps.Zero;
            TVector s20 = TOps.Zero, s21 = TOps.Zero, s30 = TOps.Zero, s31 = TOps.Zero;
            float* b = op.B + j;
            for (int p = 0; p < op.K; p++, b += op.BRow)
            {
                var b0 = TOps.Load(b);
                var b1 = TOps.Load(b + w);
                long at = (long)p * op.ACol;
                var x = TOps.Broadcast(a0[at]);
                s00 = TOps.MultiplyAdd(x, b0, s00);
                s01 = TOps.MultiplyAdd(x, b1, s01);
                x = TOps.Broadcast(a1[at]);
                s10 = TOps.MultiplyAdd(x, b0, s10);
                s11 = TOps.MultiplyAdd(x, b1, s11);
                x = TOps.Broadcast(a2[at]);
                s20 = TOps.MultiplyAdd(x, b0, s20);
                s21 = TOps.MultiplyAdd(x, b1, s21);
                x = TOps.Broadcast(a3[at]);
                s30 = TOps.MultiplyAdd(x, b0, s30);
                s31 = TOps.MultiplyAdd(x, b1, s31);
            }
            Put<TVector, TOps>(c + j, s00, op.Accumulate);
            Put<TVector, TOps>(c + j + w, s01, op.Accumulate);
            if (rows > 1) { Put<TVector, TOps>(c + op.Ldc + j, s10, op.Accumulate); Put<TVector, TOps>(c + op.Ldc + j + w, s11, op.Accumulate); }
            if (rows > 2) { Put<TVector, TOps>(c + 2L * op.Ldc + j, s20, op.Accumulate); Put<TVector, TOps>(c + 2L * op.Ldc + j + w, s21, op.Accumulate); }
            if (rows > 3) { Put<TVector, TOps>(c + 3L * op.Ldc + j, s30, op.Accumulate); Put<TVector, TOps>(c + 3L * op.Ldc + j + w, s31, op.Accumulate); }
        }
        // Fewer than two vectors of columns left: one column at a time, each a plain sum over k.
        for (; j < j1; j++)
        {
            float* b = op.B + j;
            for (int r = 0; r < rows; r++)
            {
                float* a = op.A + (long)(i0 + r) * op.ARow;
                float sum = 0f;
                for (int p = 0; p < op.K; p++) sum += a[(long)p * op.ACol] * b[(long)p * op.BRow];
                float* cell = c + (long)r * op.Ldc + j;
                *cell = op.Accumulate ? *cell + sum : sum;
            }
        }
    }

    /// <summary>C rows <c>i0 … i0 + rows − 1</c> (at most 4), columns <c>[j0, j1)</c>, when columns of B are contiguous.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void DotRows<TVector, TOps>(in GemmOperands op, int cRow, int cCol, int i0, int rows, int j0, int j1)
        where TVector : struct where TOps : struct, IVectorOps<TVector>
    {
        int k = op.K;
        // Rows of A must be contiguous runs too; if they are not, copy these few rows once.
        float* a = op.A + (long)i0 * op.ARow;
        int aRow = op.ARow;
        if (op.ACol != 1)
        {
            float* copy = PackingBuffers.Scratch(4 * k);
            for (int r = 0; r < rows; r++)
                for (int p = 0; p < k; p++) copy[r * k + p] = a[(long)r * op.ARow + (long)p * op.ACol];
            a = copy;
            aRow = k;
        }
        float* a0 = a;
        float* a1 = a + (long)Math.Min(1, rows - 1) * aRow;
        float* a2 = a + (long)Math.Min(2, rows - 1) * aRow;
        float* a3 = a + (long)Math.Min(3, rows - 1) * aRow;
        float* cBase = op.C + (long)i0 * cRow;
        int j = j0;
        for (; j + 4 <= j1; j += 4)
        {
            float* b0 = op.B + (long)j * op.BCol, b1 = b0 + op.BCol, b2 = b1 + op.BCol, b3 = b2 + op.BCol;
            if (rows == 1)
            {
                Store(op, cBase + (long)j * cCol, cCol, Dot4<TVector, TOps>(a0, b0, b1, b2, b3, k));
                continue;
            }
            var (r0, r1, r2, r3) = Dot16<TVector, TOps>(a0, a1, a2, a3, b0, b1, b2, b3, k);
            Store(op, cBase + (long)j * cCol, cCol, r0);
            if (rows > 1) Store(op, cBase + cRow + (long)j * cCol, cCol, r1);
            if (rows > 2) Store(op, cBase + 2L * cRow + (long)j * cCol, cCol, r2);
            if (rows > 3) Store(op, cBase + 3L * cRow + (long)j * cCol, cCol, r3);
        }
        for (; j < j1; j++)
        {
            float* b = op.B + (long)j * op.BCol;
            for (int r = 0; r < rows; r++)
            {
                float sum = Dot<TVector, TOps>(a + (long)r * aRow, b, k);
                float* cell = cBase + (long)r * cRow + (long)j * cCol;
                *cell = op.Accumulate ? *cell + sum : sum;
            }
        }
    }

    static void Store(in GemmOperands op, float* c, int cCol, (float, float, float, float) sums)
    {
        if (op.Accumulate)
        {
            c[0] += sums.Item1; c[cCol] += sums.Item2; c[2 * cCol] += sums.Item3; c[3 * cCol] += sums.Item4;
        }
        else
        {
            c[0] = sums.Item1; c[cCol] = sums.Item2; c[2 * cCol] = sums.Item3; c[3 * cCol] = sums.Item4;
        }
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

    static void Put<TVector, TOps>(float* c, TVector sum, bool accumulate)
        where TVector : struct where TOps : struct, IVectorOps<TVector> =>
        TOps.Store(c, accumulate ? TOps.Add(TOps.Load(c), sum) : sum);
}
