using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Corvid.Tensors.Kernels;

/// <summary>
/// Copies blocks of A and B into the sliver order the micro-kernel reads sequentially, whatever the
/// operands' strides (this is where transposed views cost nothing extra), zero-padding ragged edges.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>How many runs of a transposed A ahead its packing prefetches.</summary>
    const int PrefetchRuns = 8;

    /// <summary>
    /// Packs A rows <c>[0, mc)</c>, k <c>[0, kc)</c> (from <paramref name="a"/>, the block's origin) into
    /// slivers of <paramref name="mr"/> rows: sliver s holds, step by step of k, rows <c>s·mr … s·mr + mr − 1</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA(int mr, int mc, int kc, float* a, int aRow, int aCol, float* dst)
    {
        int start = 0;
        if (aRow == 1)
        {
            // Columns of A are contiguous (a transposed view, as dYᵀ in a weight gradient): walk each step of
            // k's run of mc floats in order, dealing each Mr-long piece to its sliver, so A is read as one
            // stream rather than Mc/Mr times over in short strided pieces.
            int full = mc / mr;
            for (int p = 0; p < kc; p++)
            {
                float* src = a + (long)p * aCol;
                float* to = dst + p * mr;
                // Runs are a whole row of dY apart (often a multiple of 4 KB), so each one starts on a new page
                // where the hardware prefetchers stop: fetch a few runs ahead.
                if (Sse.IsSupported && p + PrefetchRuns < kc)
                    for (int f = 0; f < full * mr; f += 16) Sse.Prefetch0(src + (long)PrefetchRuns * aCol + f);
                for (int s = 0; s < full; s++) CopyShort(to + s * mr * kc, src + s * mr, mr);
            }
            start = full * mr;
        }
        for (int i0 = start; i0 < mc; i0 += mr)
        {
            int rows = Math.Min(mr, mc - i0);
            float* src = a + (long)i0 * aRow;
            float* sliver = dst + i0 * kc;
            PackASliver(mr, rows, kc, src, aRow, aCol, sliver);
        }
    }

    /// <summary>One sliver of A: <paramref name="rows"/> (at most mr) rows from <paramref name="src"/>, zero-padded to mr.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void PackASliver(int mr, int rows, int kc, float* src, int aRow, int aCol, float* dst)
    {
        int r = 0;
        if (aCol == 1)
        {
            // Rows of A are contiguous along k: transpose 8 x 8, then 4 x 4, blocks in registers.
            if (Transpose.Has8x8)
            {
                int p8 = kc & ~7;
                for (; r + 8 <= rows; r += 8)
                {
                    float* block = src + (long)r * aRow;
                    for (int p = 0; p < p8; p += 8) Transpose.Block8x8(block + p, aRow, dst + p * mr + r, mr);
                    for (int i = 0; i < 8; i++)
                        for (int p = p8; p < kc; p++) dst[p * mr + r + i] = block[(long)i * aRow + p];
                }
            }
            if (Transpose.Has4x4)
            {
                int p4 = kc & ~3;
                for (; r + 4 <= rows; r += 4)
                {
                    float* block = src + (long)r * aRow;
                    for (int p = 0; p < p4; p += 4) Transpose.Block4x4(block + p, aRow, dst + p * mr + r, mr);
                    for (int i = 0; i < 4; i++)
                        for (int p = p4; p < kc; p++) dst[p * mr + r + i] = block[(long)i * aRow + p];
                }
            }
        }
        for (; r < rows; r++)
        {
            float* row = src + (long)r * aRow;
            if (aCol == 1)
                for (int p = 0; p < kc; p++) dst[p * mr + r] = row[p];
            else
                for (int p = 0; p < kc; p++) dst[p * mr + r] = row[(long)p * aCol];
        }
        for (int pad = rows; pad < mr; pad++)
            for (int p = 0; p < kc; p++) dst[p * mr + pad] = 0f;
    }

    /// <summary>
    /// Copies a short run (one sliver's width, 4 to 32 floats) with vector moves: a call to memmove per
    /// run, as <see cref="Unsafe.CopyBlockUnaligned(void*, void*, uint)"/> makes for a size not known to the
    /// JIT, cost more than the copy.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void CopyShort(float* dst, float* src, int count)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i + 16 <= count; i += 16) Vector512.Store(Vector512.Load(src + i), dst + i);
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= count; i += 8) Vector256.Store(Vector256.Load(src + i), dst + i);
        if (Vector128.IsHardwareAccelerated)
            for (; i + 4 <= count; i += 4) Vector128.Store(Vector128.Load(src + i), dst + i);
        for (; i < count; i++) dst[i] = src[i];
    }

    /// <summary>
    /// Packs B k <c>[0, kc)</c>, columns <c>[0, nc)</c> (from <paramref name="b"/>, the block's origin) into
    /// slivers of <paramref name="nr"/> columns: sliver s holds, step by step of k, columns <c>s·nr … s·nr + nr − 1</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB(int nr, int kc, int nc, float* b, int bRow, int bCol, float* dst)
    {
        int full = nc / nr;
        if (bCol == 1)
        {
            // Rows of B are contiguous: walk them in order, one long run per step of k, dealing each
            // Nr-wide piece to its sliver. Reading B row by row keeps the hardware prefetchers streaming.
            for (int p = 0; p < kc; p++)
            {
                float* src = b + (long)p * bRow;
                float* to = dst + p * nr;
                for (int s = 0; s < full; s++) CopyShort(to + s * nr * kc, src + s * nr, nr);
            }
        }
        else
        {
            int p8 = bRow == 1 && nr % 8 == 0 && Transpose.Has8x8 ? kc & ~7 : 0;
            for (int s = 0; s < full; s++)
            {
                float* to = dst + s * nr * kc;
                // Columns of B are contiguous along k (a transposed view): transpose 8 x 8 blocks in registers.
                for (int j = 0; j < nr && p8 > 0; j += 8)
                {
                    float* block = b + (long)(s * nr + j) * bCol;
                    for (int p = 0; p < p8; p += 8) Transpose.Block8x8(block + p, bCol, to + p * nr + j, nr);
                }
                for (int j = 0; j < nr; j++)
                {
                    float* column = b + (long)(s * nr + j) * bCol;
                    if (bRow == 1)
                        for (int p = p8; p < kc; p++) to[p * nr + j] = column[p];
                    else
                        for (int p = 0; p < kc; p++) to[p * nr + j] = column[(long)p * bRow];
                }
            }
        }
        int cols = nc - full * nr;
        if (cols == 0) return;
        float* last = dst + full * nr * kc;
        for (int j = 0; j < cols; j++)
        {
            float* column = b + (long)(full * nr + j) * bCol;
            for (int p = 0; p < kc; p++) last[p * nr + j] = column[(long)p * bRow];
        }
        for (int j = cols; j < nr; j++)
            for (int p = 0; p < kc; p++) last[p * nr + j] = 0f;
    }
}
