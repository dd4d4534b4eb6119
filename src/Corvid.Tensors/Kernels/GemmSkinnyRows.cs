using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Corvid.Tensors.Kernels;

/// <summary>
/// <c>C = A · B</c> with few rows of A and the rows of B contiguous (<c>x · W</c>, W <c>[in, out]</c>), without
/// packing B: B is read from memory once per call, and every element of it meets all rows of A while it is in
/// a register.
/// </summary>
/// <remarks>
/// B is walked in blocks of 8 or 16 rows (<see cref="BlockRowsFor"/>: 128 when it has few columns); within a block, in strips of three vectors of
/// columns. A strip's running sums (up to 8 rows of A by 3 vectors: 24 registers) stay in registers for the
/// whole block, each B vector loaded once feeds up to 8 FMAs, and the sums go to memory (L2) only once per
/// block. A block's rows are read side by side (that many streams of B), and the next block's rows of each strip
/// are prefetched into L2 while this block's are used.
/// More than 8 rows of A run as groups of 8 over the same strip, which is then in L1.
/// Every element of C is the fused multiply-add chain over k in order, from zero, whatever the strip,
/// group or thread that computes it, so results are bit-identical for any thread count.
/// </remarks>
internal static unsafe class GemmSkinnyRows
{
    /// <summary>
    /// Rows of B read per block: the running sums are stored and reloaded once per block. Up to 8 rows of A the
    /// product is bound by memory, and 8 streams of B at a time read faster than 16 (measured: 4 rows of A,
    /// 3.1 against 3.8-4.2 ms at 4096x4096); from 16 rows up it is bound by the FMAs, and the longer block halves
    /// the sums' trips to memory (16 rows 7.6-7.8 against 8.0-8.6 ms). Fewer columns than a few strips make short
    /// rows of B, read as one stream whatever the block, and a block's fixed costs (packing A, storing the sums,
    /// the tail) would outweigh its FMAs: those take long blocks.
    /// </summary>
    static int BlockRowsFor(int m, int width) => width < 4 * 48 ? MaxBlockRows : m <= GroupRows ? 8 : 16;

    /// <summary>The longest block of <see cref="BlockRowsFor"/>: the size of A's packed block.</summary>
    const int MaxBlockRows = 128;

    /// <summary>Rows of A one register tile holds (the rest run as further groups over the same strip).</summary>
    const int GroupRows = 8;

    /// <summary>Floats of running sums kept between blocks (256 KB, within L2): caps the columns done at once.</summary>
    const int MaxSums = 1 << 16;

    /// <summary>Below this many flops per thread, waking another thread costs more than it saves.</summary>
    const long MinFlopsPerThread = 1L << 18;

    public static void Run<TVector, TOps>(in GemmOperands op)
        where TVector : struct where TOps : struct, IVectorOps<TVector>
    {
        int w = TOps.Count;
        int vectors = Math.Max(1, op.N / w);
        int threads = (int)Math.Clamp(op.Flops / MinFlopsPerThread, 1, Math.Min(WorkerPool.AvailableThreads, vectors));
        var work = new Work<TVector, TOps> { Op = op };
        WorkerPool.Run(ref work, threads);
    }

    struct Work<TVector, TOps> : IParallelWork
        where TVector : struct where TOps : struct, IVectorOps<TVector>
    {
        public GemmOperands Op;

        public readonly void Execute(int part, int parts)
        {
            // Threads split the columns at whole vectors (each streams its own columns of every row of B);
            // k is never split, so each sum is the same chain of operations for any thread count.
            int w = TOps.Count, units = (Op.N + w - 1) / w;
            int j0 = Math.Min(Op.N, (int)((long)units * part / parts) * w);
            int j1 = Math.Min(Op.N, (int)((long)units * (part + 1) / parts) * w);
            if (j0 < j1) Columns<TVector, TOps>(Op, j0, j1);
        }
    }

    /// <summary>Every row of C, columns <c>[j0, j1)</c>.</summary>
    static void Columns<TVector, TOps>(in GemmOperands op, int j0, int j1)
        where TVector : struct where TOps : struct, IVectorOps<TVector>
    {
        int w = TOps.Count, strip = 3 * w, m = op.M, k = op.K;
        int groups = (m + GroupRows - 1) / GroupRows;
        int chunk = Math.Min(j1 - j0, Math.Max(strip, MaxSums / m / strip * strip));
        int blockRows = BlockRowsFor(m, j1 - j0);
        // A's block, packed [group][p][row of group] so a tile reads its broadcasts at fixed offsets.
        // Rows of sums are a vector longer than the chunk: the padded tail's vector writes past its last column.
        int sumsStride = chunk + w;
        float* packedA = PackingBuffers.Scratch(groups * GroupRows * MaxBlockRows + (k > blockRows ? m * sumsStride : 0) + (MaxBlockRows + m) * w);
        float* sums = packedA + groups * GroupRows * MaxBlockRows;
        float* tailScratch = sums + (k > blockRows ? m * sumsStride : 0);
        for (int jc = j0; jc < j1; jc += chunk)
        {
            int width = Math.Min(chunk, j1 - jc);
            for (int p0 = 0; p0 < k; p0 += blockRows)
            {
                int kn = Math.Min(blockRows, k - p0), nextRows = Math.Min(blockRows, k - p0 - kn);
                var stage = new Stage(p0 == 0, p0 + kn == k, op.Accumulate, op.RowBias != null);
                PackA(op, p0, kn, packedA);
                float* b = op.B + (long)p0 * op.BRow + jc;
                float* c = op.C + jc;
                int j = 0;
                for (; j + strip <= width; j += strip)
                {
                    PrefetchNextBlock(b + j + (long)kn * op.BRow, op.BRow, nextRows);
                    Groups<TVector, TOps, Three>(op, packedA, b + j, sums + j, sumsStride, c + j, kn, stage);
                }
                for (; j + w <= width; j += w)
                    Groups<TVector, TOps, One>(op, packedA, b + j, sums + j, sumsStride, c + j, kn, stage);
                if (j == width) continue;
                // The padded copy costs a vector's width per row of B; scalar sums cost the tail's width per row
                // of B and of A (measured at 24x65536: 1 row 0.54-0.66 ms scalar against 0.99-1.05 padded,
                // 4 rows 1.74-2.07 against 1.31-1.34).
                if (m <= ScalarTailRows) ScalarTail(op, packedA, b + j, sums + j, sumsStride, c + j, width - j, kn, stage, tailScratch);
                else Tail<TVector, TOps>(op, packedA, b + j, sums + j, sumsStride, c + j, width - j, kn, stage, tailScratch);
            }
        }
    }

    /// <summary>
    /// Asks for the next block's rows of a strip (three lines each) while this block's are used: the hardware
    /// prefetchers stop at every 4 KB page of each row, and on their own read B at 13-16 GB/s against 20-22
    /// with this (one thread, measured). Into L2: the strip is used a whole block later.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void PrefetchNextBlock(float* b, long bRow, int rows)
    {
        if (!Sse.IsSupported) return;
        for (int r = 0; r < rows; r++, b += bRow)
        {
            Sse.Prefetch1(b);
            Sse.Prefetch1(b + 16);
            Sse.Prefetch1(b + 32);
        }
    }

    /// <summary>Copies A's columns <c>[p0, p0 + kn)</c> into groups of 8 rows, each <c>[p][row]</c>.</summary>
    static void PackA(in GemmOperands op, int p0, int kn, float* packed)
    {
        for (int i0 = 0; i0 < op.M; i0 += GroupRows)
        {
            int rows = Math.Min(GroupRows, op.M - i0);
            float* dst = packed + i0 * MaxBlockRows;
            for (int p = 0; p < kn; p++)
                for (int r = 0; r < rows; r++)
                    dst[p * rows + r] = op.A[(long)(i0 + r) * op.ARow + (long)(p0 + p) * op.ACol];
        }
    }

    /// <summary>Where a block stands in the k loop: whether its sums start from zero and where they go.</summary>
    readonly record struct Stage(bool First, bool Last, bool Accumulate, bool Bias);

    /// <summary>One strip of columns for every group of rows of A (the strip of B is in L1 after the first).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Groups<TVector, TOps, TWidth>(in GemmOperands op, float* packedA, float* b, float* sums, int sumsStride,
        float* c, int kn, Stage stage)
        where TVector : struct where TOps : struct, IVectorOps<TVector> where TWidth : struct, IStripWidth
    {
        for (int i0 = 0; i0 < op.M; i0 += GroupRows)
        {
            int rows = Math.Min(GroupRows, op.M - i0);
            var tile = new TileArgs(packedA + i0 * MaxBlockRows, b, op.BRow, sums + (long)i0 * sumsStride, sumsStride,
                c + (long)i0 * op.Ldc, op.Ldc, op.RowBias == null ? null : op.RowBias + i0, kn, stage);
            switch (rows)
            {
                case 1: Tile<TVector, TOps, TWidth, R1>(tile); break;
                case 2: Tile<TVector, TOps, TWidth, R2>(tile); break;
                case 3: Tile<TVector, TOps, TWidth, R3>(tile); break;
                case 4: Tile<TVector, TOps, TWidth, R4>(tile); break;
                case 5: Tile<TVector, TOps, TWidth, R5>(tile); break;
                case 6: Tile<TVector, TOps, TWidth, R6>(tile); break;
                case 7: Tile<TVector, TOps, TWidth, R7>(tile); break;
                default: Tile<TVector, TOps, TWidth, R8>(tile); break;
            }
        }
    }

    /// <summary>One tile's operands: its rows of packed A, its strip of B, its sums and C, and its bias.</summary>
    readonly struct TileArgs(float* a, float* b, long bRow, float* sums, int sumsStride, float* c, int ldc, float* bias, int kn, Stage stage)
    {
        public readonly float* A = a, B = b, Sums = sums, C = c, Bias = bias;
        public readonly long BRow = bRow;
        public readonly int SumsStride = sumsStride, Ldc = ldc, Kn = kn;
        public readonly Stage Stage = stage;
    }

    /// <summary>
    /// <c>TRows</c> rows by <c>TWidth</c> vectors of sums through one block of B. The row and width counts are
    /// type constants, so the JIT drops the unused accumulators and keeps the rest in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Tile<TVector, TOps, TWidth, TRows>(in TileArgs t)
        where TVector : struct where TOps : struct, IVectorOps<TVector>
        where TWidth : struct, IStripWidth where TRows : struct, IRowCount
    {
        int w = TOps.Count, rows = TRows.Count;
        bool three = TWidth.Vectors == 3;
        TVector s00, s01 = default, s02 = default, s10 = default, s11 = default, s12 = default;
        TVector s20 = default, s21 = default, s22 = default, s30 = default, s31 = default, s32 = default;
        TVector s40 = default, s41 = default, s42 = default, s50 = default, s51 = default, s52 = default;
        TVector s60 = default, s61 = default, s62 = default, s70 = default, s71 = default, s72 = default;
        if (t.Stage.First)
        {
            s00 = TOps.Zero; s01 = TOps.Zero; s02 = TOps.Zero; s10 = TOps.Zero; s11 = TOps.Zero; s12 = TOps.Zero;
            s20 = TOps.Zero; s21 = TOps.Zero; s22 = TOps.Zero; s30 = TOps.Zero; s31 = TOps.Zero; s32 = TOps.Zero;
            s40 = TOps.Zero; s41 = TOps.Zero; s42 = TOps.Zero; s50 = TOps.Zero; s51 = TOps.Zero; s52 = TOps.Zero;
            s60 = TOps.Zero; s61 = TOps.Zero; s62 = TOps.Zero; s70 = TOps.Zero; s71 = TOps.Zero; s72 = TOps.Zero;
        }
        else
        {
            float* s = t.Sums;
            long ss = t.SumsStride;
            s00 = TOps.Load(s); if (three) { s01 = TOps.Load(s + w); s02 = TOps.Load(s + 2 * w); }
            if (rows > 1) { s += ss; s10 = TOps.Load(s); if (three) { s11 = TOps.Load(s + w); s12 = TOps.Load(s + 2 * w); } }
            if (rows > 2) { s += ss; s20 = TOps.Load(s); if (three) { s21 = TOps.Load(s + w); s22 = TOps.Load(s + 2 * w); } }
            if (rows > 3) { s += ss; s30 = TOps.Load(s); if (three) { s31 = TOps.Load(s + w); s32 = TOps.Load(s + 2 * w); } }
            if (rows > 4) { s += ss; s40 = TOps.Load(s); if (three) { s41 = TOps.Load(s + w); s42 = TOps.Load(s + 2 * w); } }
            if (rows > 5) { s += ss; s50 = TOps.Load(s); if (three) { s51 = TOps.Load(s + w); s52 = TOps.Load(s + 2 * w); } }
            if (rows > 6) { s += ss; s60 = TOps.Load(s); if (three) { s61 = TOps.Load(s + w); s62 = TOps.Load(s + 2 * w); } }
            if (rows > 7) { s += ss; s70 = TOps.Load(s); if (three) { s71 = TOps.Load(s + w); s72 = TOps.Load(s + 2 * w); } }
        }

        float* a = t.A, b = t.B;
        long bRow = t.BRow;
        for (int p = 0, kn = t.Kn; p < kn; p++, a += rows, b += bRow)
        {
            var y0 = TOps.Load(b);
            var y1 = three ? TOps.Load(b + w) : default;
            var y2 = three ? TOps.Load(b + 2 * w) : default;
            var x = TOps.Broadcast(a[0]);
            s00 = TOps.MultiplyAdd(x, y0, s00); if (three) { s01 = TOps.MultiplyAdd(x, y1, s01); s02 = TOps.MultiplyAdd(x, y2, s02); }
            if (rows > 1) { x = TOps.Broadcast(a[1]); s10 = TOps.MultiplyAdd(x, y0, s10); if (three) { s11 = TOps.MultiplyAdd(x, y1, s11); s12 = TOps.MultiplyAdd(x, y2, s12); } }
            if (rows > 2) { x = TOps.Broadcast(a[2]); s20 = TOps.MultiplyAdd(x, y0, s20); if (three) { s21 = TOps.MultiplyAdd(x, y1, s21); s22 = TOps.MultiplyAdd(x, y2, s22); } }
            if (rows > 3) { x = TOps.Broadcast(a[3]); s30 = TOps.MultiplyAdd(x, y0, s30); if (three) { s31 = TOps.MultiplyAdd(x, y1, s31); s32 = TOps.MultiplyAdd(x, y2, s32); } }
            if (rows > 4) { x = TOps.Broadcast(a[4]); s40 = TOps.MultiplyAdd(x, y0, s40); if (three) { s41 = TOps.MultiplyAdd(x, y1, s41); s42 = TOps.MultiplyAdd(x, y2, s42); } }
            if (rows > 5) { x = TOps.Broadcast(a[5]); s50 = TOps.MultiplyAdd(x, y0, s50); if (three) { s51 = TOps.MultiplyAdd(x, y1, s51); s52 = TOps.MultiplyAdd(x, y2, s52); } }
            if (rows > 6) { x = TOps.Broadcast(a[6]); s60 = TOps.MultiplyAdd(x, y0, s60); if (three) { s61 = TOps.MultiplyAdd(x, y1, s61); s62 = TOps.MultiplyAdd(x, y2, s62); } }
            if (rows > 7) { x = TOps.Broadcast(a[7]); s70 = TOps.MultiplyAdd(x, y0, s70); if (three) { s71 = TOps.MultiplyAdd(x, y1, s71); s72 = TOps.MultiplyAdd(x, y2, s72); } }
        }

        if (!t.Stage.Last)
        {
            float* s = t.Sums;
            long ss = t.SumsStride;
            TOps.Store(s, s00); if (three) { TOps.Store(s + w, s01); TOps.Store(s + 2 * w, s02); }
            if (rows > 1) { s += ss; TOps.Store(s, s10); if (three) { TOps.Store(s + w, s11); TOps.Store(s + 2 * w, s12); } }
            if (rows > 2) { s += ss; TOps.Store(s, s20); if (three) { TOps.Store(s + w, s21); TOps.Store(s + 2 * w, s22); } }
            if (rows > 3) { s += ss; TOps.Store(s, s30); if (three) { TOps.Store(s + w, s31); TOps.Store(s + 2 * w, s32); } }
            if (rows > 4) { s += ss; TOps.Store(s, s40); if (three) { TOps.Store(s + w, s41); TOps.Store(s + 2 * w, s42); } }
            if (rows > 5) { s += ss; TOps.Store(s, s50); if (three) { TOps.Store(s + w, s51); TOps.Store(s + 2 * w, s52); } }
            if (rows > 6) { s += ss; TOps.Store(s, s60); if (three) { TOps.Store(s + w, s61); TOps.Store(s + 2 * w, s62); } }
            if (rows > 7) { s += ss; TOps.Store(s, s70); if (three) { TOps.Store(s + w, s71); TOps.Store(s + 2 * w, s72); } }
            return;
        }
        WriteRow<TVector, TOps, TWidth>(t, 0, s00, s01, s02);
        if (rows > 1) WriteRow<TVector, TOps, TWidth>(t, 1, s10, s11, s12);
        if (rows > 2) WriteRow<TVector, TOps, TWidth>(t, 2, s20, s21, s22);
        if (rows > 3) WriteRow<TVector, TOps, TWidth>(t, 3, s30, s31, s32);
        if (rows > 4) WriteRow<TVector, TOps, TWidth>(t, 4, s40, s41, s42);
        if (rows > 5) WriteRow<TVector, TOps, TWidth>(t, 5, s50, s51, s52);
        if (rows > 6) WriteRow<TVector, TOps, TWidth>(t, 6, s60, s61, s62);
        if (rows > 7) WriteRow<TVector, TOps, TWidth>(t, 7, s70, s71, s72);
    }

    /// <summary>A finished row of a tile into C: added to C, or with the row's bias added, or as it is.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void WriteRow<TVector, TOps, TWidth>(in TileArgs t, int r, TVector v0, TVector v1, TVector v2)
        where TVector : struct where TOps : struct, IVectorOps<TVector> where TWidth : struct, IStripWidth
    {
        int w = TOps.Count;
        bool three = TWidth.Vectors == 3;
        float* c = t.C + (long)r * t.Ldc;
        if (t.Stage.Accumulate)
        {
            v0 = TOps.Add(TOps.Load(c), v0);
            if (three) { v1 = TOps.Add(TOps.Load(c + w), v1); v2 = TOps.Add(TOps.Load(c + 2 * w), v2); }
        }
        else if (t.Stage.Bias)
        {
            var bias = TOps.Broadcast(t.Bias[r]);
            v0 = TOps.Add(v0, bias);
            if (three) { v1 = TOps.Add(v1, bias); v2 = TOps.Add(v2, bias); }
        }
        TOps.Store(c, v0);
        if (three) { TOps.Store(c + w, v1); TOps.Store(c + 2 * w, v2); }
    }

    /// <summary>
    /// The last fewer-than-a-vector columns of C (only ever at its last column) on the one-vector tile: this
    /// block's rows of them copied into a zero-padded vector's width, and C's through a padded copy when it is
    /// written, so each element is the same fused chain a full vector's lane computes.
    /// </summary>
    static void Tail<TVector, TOps>(in GemmOperands op, float* packedA, float* b, float* sums, int sumsStride, float* c,
        int width, int kn, Stage stage, float* scratch)
        where TVector : struct where TOps : struct, IVectorOps<TVector>
    {
        int w = TOps.Count, m = op.M;
        float* tailB = scratch, tailC = scratch + MaxBlockRows * w;
        for (int p = 0; p < kn; p++)
            for (int j = 0; j < w; j++) tailB[p * w + j] = j < width ? b[(long)p * op.BRow + j] : 0f;
        if (stage.Last && stage.Accumulate)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < w; j++) tailC[i * w + j] = j < width ? c[(long)i * op.Ldc + j] : 0f;
        var padded = op;
        padded.BRow = w;
        padded.Ldc = w;
        Groups<TVector, TOps, One>(padded, packedA, tailB, sums, sumsStride, tailC, kn, stage);
        if (stage.Last)
            for (int i = 0; i < m; i++) new ReadOnlySpan<float>(tailC + i * w, width).CopyTo(new Span<float>(c + (long)i * op.Ldc, width));
    }

    /// <summary>Up to this many rows of A, the last columns' sums are kept as scalars rather than a padded vector.</summary>
    const int ScalarTailRows = 1;

    /// <summary>
    /// The same last columns for one row of A, as scalars: each step of k updates every (row, column) sum in
    /// turn, so no sum waits on its own previous FMA, and each is the fused chain a vector lane computes.
    /// </summary>
    static void ScalarTail(in GemmOperands op, float* packedA, float* b, float* sums, int sumsStride, float* c,
        int width, int kn, Stage stage, float* scratch)
    {
        int m = op.M;
        float* t = scratch;
        for (int r = 0; r < m; r++)
            for (int j = 0; j < width; j++) t[r * width + j] = stage.First ? 0f : sums[(long)r * sumsStride + j];
        for (int p = 0; p < kn; p++)
        {
            float* bp = b + (long)p * op.BRow;
            for (int r = 0; r < m; r++)
            {
                float x = packedA[p * m + r];
                for (int j = 0; j < width; j++) t[r * width + j] = MathF.FusedMultiplyAdd(x, bp[j], t[r * width + j]);
            }
        }
        for (int r = 0; r < m; r++)
        {
            float* cr = c + (long)r * op.Ldc;
            for (int j = 0; j < width; j++)
            {
                float sum = t[r * width + j];
                if (!stage.Last) sums[(long)r * sumsStride + j] = sum;
                else cr[j] = stage.Accumulate ? cr[j] + sum : stage.Bias ? sum + op.RowBias[r] : sum;
            }
        }
    }

    interface IStripWidth { static abstract int Vectors { get; } }
    struct One : IStripWidth { public static int Vectors => 1; }
    struct Three : IStripWidth { public static int Vectors => 3; }

    interface IRowCount { static abstract int Count { get; } }
    struct R1 : IRowCount { public static int Count => 1; }
    struct R2 : IRowCount { public static int Count => 2; }
    struct R3 : IRowCount { public static int Count => 3; }
    struct R4 : IRowCount { public static int Count => 4; }
    struct R5 : IRowCount { public static int Count => 5; }
    struct R6 : IRowCount { public static int Count => 6; }
    struct R7 : IRowCount { public static int Count => 7; }
    struct R8 : IRowCount { public static int Count => 8; }
}
