using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Corvid.Tensors.Kernels;

/// <summary>
/// Panels of a convolution's im2col matrix computed straight from the input ("implicit GEMM"): B row
/// <c>(c, kh, kw)</c>, column <c>(image, oh, ow)</c> is <c>input[image, c, oh·sh − ph + kh·dh, ow·sw − pw + kw·dw]</c>
/// (zero in the padding). Writing the packed slivers directly saves building the matrix and then
/// copying it again into slivers, two passes over the largest buffer of a convolution.
/// </summary>
internal readonly unsafe struct Im2ColPanel : IBPanel
{
    readonly Conv2dGeometry g;
    readonly float* first;   // channel 0 of the group in the first image
    readonly long imageStride;

    /// <param name="first">The group's first input channel in the first image of the run.</param>
    public Im2ColPanel(in Conv2dGeometry geometry, float* first)
    {
        g = geometry;
        this.first = first;
        imageStride = (long)geometry.InChannels * geometry.InHeight * geometry.InWidth;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Pack(int nr, int pc, int kc, int jc, int nc, float* dst)
    {
        int h = g.InHeight, w = g.InWidth, ow = g.OutWidth, ohw = g.OutHeight * ow, taps = g.KernelHeight * g.KernelWidth;
        int sliver = nr * kc;
        for (int p = 0; p < kc; p++)
        {
            int row = pc + p, c = row / taps, tap = row - c * taps;
            int kh = tap / g.KernelWidth, kw = tap - kh * g.KernelWidth;
            int xOffset = kw * g.DilationW - g.PadW;
            var (x0, x1) = Im2Col.ValidRange(xOffset, g.StrideW, w, ow);
            float* to = dst + p * nr;
            // Walk the columns one output row (a run of up to OW columns) at a time.
            for (int j = jc, end = jc + nc; j < end;)
            {
                int image = j / ohw, s = j - image * ohw, y = s / ow, xStart = s - y * ow;
                int run = Math.Min(ow - xStart, end - j);
                int column = j - jc;
                var cursor = new Cursor(to + column / nr * sliver, column % nr, nr, sliver);
                int ih = y * g.StrideH - g.PadH + kh * g.DilationH;
                int xEnd = xStart + run;
                if ((uint)ih >= (uint)h)
                {
                    cursor.Zeros(run);
                }
                else
                {
                    float* line = first + image * imageStride + (long)c * h * w + (long)ih * w;
                    int a = Math.Clamp(x0, xStart, xEnd), b = Math.Clamp(x1, a, xEnd);
                    cursor.Zeros(a - xStart);
                    if (g.StrideW == 1) cursor.Copy(line + a + xOffset, b - a);
                    else cursor.Gather(line + a * g.StrideW + xOffset, g.StrideW, b - a);
                    cursor.Zeros(xEnd - b);
                }
                j += run;
            }
        }
        // Lanes past the last column of a ragged final sliver.
        int full = nc / nr * nr;
        if (full == nc) return;
        float* last = dst + (nc / nr) * sliver;
        for (int p = 0; p < kc; p++)
            for (int lane = nc - full; lane < nr; lane++) last[p * nr + lane] = 0f;
    }

    /// <summary>The next free lane of a row of slivers: lanes fill a sliver's row, then continue in the next sliver.</summary>
    struct Cursor(float* at, int lane, int nr, int sliver)
    {
        float* at = at;
        int lane = lane;

        public void Zeros(int count)
        {
            while (count > 0)
            {
                int n = Math.Min(count, nr - lane);
                new Span<float>(at + lane, n).Clear();
                Advance(n);
                count -= n;
            }
        }

        public void Copy(float* src, int count)
        {
            while (count > 0)
            {
                int n = Math.Min(count, nr - lane);
                Unsafe.CopyBlockUnaligned(at + lane, src, (uint)(n * sizeof(float)));
                src += n;
                Advance(n);
                count -= n;
            }
        }

        public void Gather(float* src, int stride, int count)
        {
            if (stride == 2 && Avx512F.IsSupported)
            {
                GatherStride2(src, count);
                return;
            }
            for (int t = 0; t < count; t++)
            {
                at[lane] = src[(long)t * stride];
                Advance(1);
            }
        }

        /// <summary>
        /// Every second element, 16 per AVX-512 step (the stride-2 stem, 3x3 and 1x1 downsample convolutions,
        /// where the one-at-a-time gather dominated packing). The second load starts one element early so the
        /// step reads nothing past the last element it keeps (src[2·(count − 1)] may end the input buffer).
        /// </summary>
        void GatherStride2(float* src, int count)
        {
            // Output i < 8: element 2i of the first load; i >= 8: element 2(i − 8) + 1 of the second (base + 15).
            var pick = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 17, 19, 21, 23, 25, 27, 29, 31);
            while (count > 0)
            {
                int n = Math.Min(count, nr - lane), t = 0;
                float* to = at + lane;
                for (; t <= n - 16; t += 16)
                {
                    float* from = src + 2 * t;
                    Avx512F.PermuteVar16x32x2(Vector512.Load(from), pick, Vector512.Load(from + 15)).Store(to + t);
                }
                for (; t < n; t++) to[t] = src[2 * t];
                src += 2 * n;
                Advance(n);
                count -= n;
            }
        }

        void Advance(int n)
        {
            lane += n;
            if (lane == nr)
            {
                lane = 0;
                at += sliver;
            }
        }
    }
}
