using System.Runtime.CompilerServices;

namespace Corvid.Tensors.Kernels;

/// <summary>
/// Panels of a convolution's transposed im2col matrix computed straight from the input, for the weight
/// gradient <c>dW = dY · colᵀ</c>: B row p is a spatial column <c>(image, oh, ow)</c> of the run of images,
/// B column j a patch row <c>(c, kh, kw)</c>. Eight patch rows at a time are gathered as contiguous runs
/// and turned into sliver rows by in-register 8x8 transposes. Each thread packs its own panels, so
/// unlike a prebuilt im2col matrix this work is split across threads with the product.
/// </summary>
internal readonly unsafe struct Im2ColTransposedPanel : IBPanel
{
    readonly Conv2dGeometry g;
    readonly float* first;   // channel 0 of the group in the first image of the run
    readonly long imageStride;

    public Im2ColTransposedPanel(in Conv2dGeometry geometry, float* first)
    {
        g = geometry;
        this.first = first;
        imageStride = (long)geometry.InChannels * geometry.InHeight * geometry.InWidth;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Pack(int nr, int pc, int kc, int jc, int nc, float* dst)
    {
        int sliver = nr * kc;
        bool transpose = nr % 8 == 0 && Transpose.Has8x8;
        int p8 = transpose ? kc & ~7 : 0;
        float* rows = PackingBuffers.Columns(8 * kc);
        for (int j0 = 0; j0 < nc; j0 += 8)
        {
            // With nr a multiple of 8, a group of 8 lanes never straddles two slivers.
            int lanes = Math.Min(8, nc - j0);
            for (int l = 0; l < lanes; l++) PatchRow(jc + j0 + l, pc, kc, rows + l * kc);
            float* to = dst + j0 / nr * sliver + j0 % nr;
            int p = 0;
            if (lanes == 8)
                for (; p < p8; p += 8) Transpose.Block8x8(rows + p, kc, to + p * nr, nr);
            for (; p < kc; p++)
                for (int l = 0; l < lanes; l++) to[p * nr + l] = rows[l * kc + p];
        }
        // Lanes past the last column of a ragged final sliver.
        int used = nc % nr;
        if (used == 0) return;
        float* last = dst + nc / nr * sliver;
        for (int p = 0; p < kc; p++)
            for (int lane = used; lane < nr; lane++) last[p * nr + lane] = 0f;
    }

    /// <summary>Patch row <paramref name="row"/> of the im2col matrix, spatial columns <c>[pc, pc + kc)</c>, into <paramref name="to"/>.</summary>
    void PatchRow(int row, int pc, int kc, float* to)
    {
        int h = g.InHeight, w = g.InWidth, ow = g.OutWidth, ohw = g.OutHeight * ow, taps = g.KernelHeight * g.KernelWidth;
        int c = row / taps, tap = row - c * taps, kh = tap / g.KernelWidth, kw = tap - kh * g.KernelWidth;
        int xOffset = kw * g.DilationW - g.PadW;
        var (x0, x1) = Im2Col.ValidRange(xOffset, g.StrideW, w, ow);
        for (int p = pc, end = pc + kc; p < end;)
        {
            int image = p / ohw, s = p - image * ohw, y = s / ow, xStart = s - y * ow;
            int run = Math.Min(ow - xStart, end - p), xEnd = xStart + run;
            float* at = to + (p - pc);
            int ih = y * g.StrideH - g.PadH + kh * g.DilationH;
            if ((uint)ih >= (uint)h)
            {
                new Span<float>(at, run).Clear();
            }
            else
            {
                float* line = first + image * imageStride + (long)c * h * w + (long)ih * w;
                int a = Math.Clamp(x0, xStart, xEnd), b = Math.Clamp(x1, a, xEnd);
                new Span<float>(at, a - xStart).Clear();
                if (g.StrideW == 1)
                    Unsafe.CopyBlockUnaligned(at + (a - xStart), line + a + xOffset, (uint)((b - a) * sizeof(float)));
                else
                    for (int x = a; x < b; x++) at[x - xStart] = line[x * g.StrideW + xOffset];
                new Span<float>(at + (b - xStart), xEnd - b).Clear();
            }
            p += run;
        }
    }
}
