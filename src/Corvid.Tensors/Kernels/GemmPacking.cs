using System.Runtime.CompilerServices;

namespace Corvid.Tensors.Kernels;

/// <summary>
/// Copies blocks of A and B into the sliver order the micro-kernel reads sequentially, whatever the
/// operands' strides (this is where transposed views cost nothing extra), zero-padding ragged edges.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// Packs A rows <c>[0, mc)</c>, k <c>[0, kc)</c> (from <paramref name="a"/>, the block's origin) into
    /// slivers of <paramref name="mr"/> rows: sliver s holds, step by step of k, rows <c>s·mr … s·mr + mr − 1</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA(int mr, int mc, int kc, float* a, int aRow, int aCol, float* dst)
    {
        for (int i0 = 0; i0 < mc; i0 += mr, dst += mr * kc)
        {
            int rows = Math.Min(mr, mc - i0);
            float* src = a + (long)i0 * aRow;
            if (aRow == 1 && rows == mr)
            {
                // Columns of A are contiguous (a transposed view): each step of k is one copy.
                for (int p = 0; p < kc; p++) Unsafe.CopyBlockUnaligned(dst + p * mr, src + (long)p * aCol, (uint)(mr * sizeof(float)));
                continue;
            }
            int r = 0;
            if (aCol == 1 && Transpose.Has4x4)
            {
                // Rows of A are contiguous along k: transpose 4 x 4 blocks in registers.
                int p4 = kc & ~3;
                for (; r + 4 <= rows; r += 4)
                {
                    float* block = src + (long)r * aRow;
                    for (int p = 0; p < p4; p += 4) Transpose.Block4x4(block + p, aRow, dst + p * mr + r, mr);
                    for (int i = 0; i < 4; i++)
                        for (int p = p4; p < kc; p++) dst[p * mr + r + i] = block[(long)i * aRow + p];
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
                for (int s = 0; s < full; s++) Unsafe.CopyBlockUnaligned(to + s * nr * kc, src + s * nr, (uint)(nr * sizeof(float)));
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
