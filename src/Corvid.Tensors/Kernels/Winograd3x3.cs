using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Corvid.Tensors.Kernels;

/// <summary>
/// 3x3 stride-1 convolution by Winograd's minimal filtering F(2x2, 3x3): each 2x2 block ("tile") of the
/// output comes from a 4x4 patch of the input through 16 products per (input, output) channel pair
/// instead of 36, so the multiply work is 2.25 times smaller than a direct or im2col convolution.
/// </summary>
/// <remarks>
/// With <c>U = G·g·Gᵀ</c> (the 3x3 filter g as 4x4), <c>V = Bᵀ·d·B</c> (the 4x4 input patch d) and
/// <c>Y = Aᵀ·[Σ_c U ⊙ V]·A</c>, the sum over input channels is, for each of the 16 positions ξ of the
/// 4x4 transform, a matrix product <c>M_ξ[OC, tiles] = U_ξ[OC, C] × V_ξ[C, tiles]</c>, run on the GEMM
/// micro-kernel. Tiles go in blocks (<see cref="TilesPerBlock"/>): the block's transformed inputs are
/// written straight into the micro-kernel's packed B slivers, and the products stay in cache until the
/// output transform reads them back. Bᵀ and Aᵀ hold only 0 and ±1, and G only 0, ±½ and 1, so the
/// rounding is that of a few additions more than a direct sum: the PyTorch fixtures pass with the
/// convolution tests' usual tolerance. The transforms run 16 tiles of one tile row at a time in
/// AVX-512 registers; the path is taken only on machines with AVX-512 (<see cref="Applies"/>).
/// <para>
/// Threads take whole blocks of tiles; every tile is computed the same way whichever thread and block
/// it falls in, so results are bit-identical for any thread count. The input gradient of a 3x3 stride-1
/// convolution is itself one (with the filter flipped and its channels swapped), so it runs here too.
/// </para>
/// </remarks>
internal static unsafe class Winograd3x3
{
    /// <summary>Tiles per block at most: the block's 16 transformed inputs and products stay in L2.</summary>
    const int TilesPerBlock = 96;

    /// <summary>Lanes of a B sliver (the micro-kernel's Nr) and rows of an A sliver (its Mr).</summary>
    const int Nr = 32, Mr = 12;

    /// <summary>Input channels summed per micro-kernel call: a B sliver of Kc x 32 stays in L1.</summary>
    const int Kc = 256;

    /// <summary>
    /// Whether the convolution runs here: 3x3, stride 1, no dilation, one group, at least 16 channels
    /// each way (fewer leave the products too thin), and enough output tiles to pay for transforming the
    /// filter (a filter is transformed on every call: 16 values for each of its OC·C 3x3 kernels).
    /// </summary>
    public static bool Applies(in Conv2dGeometry g) =>
        Vector512.IsHardwareAccelerated && Avx512F.IsSupported
        && g.KernelHeight == 3 && g.KernelWidth == 3 && g.StrideH == 1 && g.StrideW == 1
        && g.DilationH == 1 && g.DilationW == 1 && g.Groups == 1
        && g.InChannels >= 16 && g.OutChannels >= 16
        && TileCount(g) >= 32;

    /// <summary>
    /// Whether the input gradient of <paramref name="g"/> runs here: it is the convolution of the output
    /// gradient with the flipped filter and padding <c>2 − pad</c>, which must not be negative.
    /// </summary>
    public static bool AppliesToInputGradient(in Conv2dGeometry g) =>
        g.PadH <= 2 && g.PadW <= 2 && Applies(InputGradientGeometry(g));

    /// <summary>The convolution whose output is the input gradient of <paramref name="g"/>: dY in, dX out.</summary>
    public static Conv2dGeometry InputGradientGeometry(in Conv2dGeometry g) =>
        new(g.Batch, g.OutChannels, g.OutHeight, g.OutWidth, g.InChannels, 3, 3, 1, 1, 2 - g.PadH, 2 - g.PadW, 1, 1, 1);

    static int TileCount(in Conv2dGeometry g) => g.Batch * ((g.OutHeight + 1) / 2) * ((g.OutWidth + 1) / 2);

    /// <summary>
    /// <c>y = conv(x, w) + bias</c> for a geometry <see cref="Applies"/> accepts. With <paramref name="flipped"/>,
    /// <paramref name="w"/> is the filter of the convolution whose input gradient this is
    /// (<c>[C, OC, 3, 3]</c> read as <c>w'[o, c, kh, kw] = w[c, o, 2 − kh, 2 − kw]</c>).
    /// </summary>
    public static void Run(in Conv2dGeometry g, float* x, float* w, float* bias, float* y, bool flipped)
    {
        int tiles = TileCount(g);
        int threads = WorkerPool.AvailableThreads;
        // Enough blocks for every thread, each at most TilesPerBlock tiles, a whole number of slivers.
        int blocks = Math.Max((tiles + TilesPerBlock - 1) / TilesPerBlock, Math.Min(threads, (tiles + Nr - 1) / Nr));
        int perBlock = RoundUp((tiles + blocks - 1) / blocks, Nr);
        blocks = (tiles + perBlock - 1) / perBlock;
        int ocBlocks = (g.OutChannels + Mr - 1) / Mr;
        float* u = PackingBuffers.Staging(16 * ocBlocks * Mr * g.InChannels);
        var work = new Work
        {
            G = g, X = x, W = w, Bias = bias, Y = y, U = u, Flipped = flipped,
            Tiles = tiles, PerBlock = perBlock, Blocks = blocks, OcBlocks = ocBlocks,
        };
        int parts = Math.Min(threads, blocks);
        work.Stage = Stage.Filter;
        WorkerPool.Run(ref work, Math.Min(threads, ocBlocks));
        work.Stage = Stage.Tiles;
        WorkerPool.Run(ref work, parts);
    }

    enum Stage { Filter, Tiles }

    struct Work : IParallelWork
    {
        public Conv2dGeometry G;
        public float* X, W, Bias, Y, U;
        public bool Flipped;
        public int Tiles, PerBlock, Blocks, OcBlocks;
        public Stage Stage;

        public readonly void Execute(int part, int parts)
        {
            if (Stage == Stage.Filter)
            {
                TransformFilter(G, W, Flipped, U, OcBlocks * part / parts, OcBlocks * (part + 1) / parts);
                return;
            }
            int start = (int)((long)Blocks * part / parts), end = (int)((long)Blocks * (part + 1) / parts);
            for (int b = start; b < end; b++)
            {
                int t0 = b * PerBlock, count = Math.Min(PerBlock, Tiles - t0);
                Block(t0, count);
            }
        }

        /// <summary>Tiles <c>[t0, t0 + count)</c>: transform the inputs, 16 products, transform the outputs.</summary>
        readonly void Block(int t0, int count)
        {
            int c = G.InChannels, slivers = (count + Nr - 1) / Nr, width = slivers * Nr;
            int ocRows = OcBlocks * Mr;
            float* v = PackingBuffers.B(16 * width * c);
            // (+16: the output transform reads whole vectors, past the last tile of the last row.)
            float* m = PackingBuffers.A(16 * ocRows * width + 16);
            TransformInputs(G, X, t0, count, width, v);
            for (int xi = 0; xi < 16; xi++)
            {
                float* vXi = v + (long)xi * width * c, uXi = U + (long)xi * ocRows * c, mXi = m + (long)xi * ocRows * width;
                for (int k0 = 0; k0 < c; k0 += Kc)
                {
                    int kc = Math.Min(Kc, c - k0);
                    for (int s = 0; s < slivers; s++)
                    {
                        float* bSliver = vXi + (long)s * Nr * c + k0 * Nr;
                        for (int ob = 0; ob < OcBlocks; ob++)
                            GemmKernel512.Run(kc, uXi + (long)ob * Mr * c + k0 * Mr, bSliver, Nr,
                                mXi + (long)ob * Mr * width + s * Nr, width, overwrite: k0 == 0, bias: null);
                    }
                }
            }
            TransformOutputs(G, m, ocRows, width, t0, count, Bias, Y);
        }
    }

    /// <summary>
    /// <c>U_ξ = G·g·Gᵀ</c> for output channels of A slivers <c>[ob0, ob1)</c>, written as the micro-kernel's packed A:
    /// <c>u[ξ][ob][c][lane]</c> for output channel <c>ob·12 + lane</c> (zero past the last channel).
    /// </summary>
    static void TransformFilter(in Conv2dGeometry g, float* w, bool flipped, float* u, int ob0, int ob1)
    {
        int oc = g.OutChannels, c = g.InChannels, ocRows = (oc + Mr - 1) / Mr * Mr;
        float* k = stackalloc float[9];
        float* gg = stackalloc float[12];
        for (int ob = ob0; ob < ob1; ob++)
        {
            for (int lane = 0; lane < Mr; lane++)
            {
                int o = ob * Mr + lane;
                for (int ci = 0; ci < c; ci++)
                {
                    float* to = u + ((long)ob * c + ci) * Mr + lane;
                    if (o >= oc)
                    {
                        for (int xi = 0; xi < 16; xi++) to[(long)xi * ocRows * c] = 0f;
                        continue;
                    }
                    if (flipped)
                    {
                        float* src = w + ((long)ci * oc + o) * 9;
                        for (int t = 0; t < 9; t++) k[t] = src[8 - t];
                    }
                    else
                    {
                        float* src = w + ((long)o * c + ci) * 9;
                        for (int t = 0; t < 9; t++) k[t] = src[t];
                    }
                    // Rows: G·g (4x3).
                    for (int j = 0; j < 3; j++)
                    {
                        float a = k[j], b = k[3 + j], d = k[6 + j];
                        gg[j] = a;
                        gg[3 + j] = 0.5f * (a + b + d);
                        gg[6 + j] = 0.5f * (a - b + d);
                        gg[9 + j] = d;
                    }
                    // Columns: (G·g)·Gᵀ (4x4).
                    for (int r = 0; r < 4; r++)
                    {
                        float a = gg[r * 3], b = gg[r * 3 + 1], d = gg[r * 3 + 2];
                        long row = (long)(r * 4) * ocRows * c;
                        to[row] = a;
                        to[row + (long)ocRows * c] = 0.5f * (a + b + d);
                        to[row + 2L * ocRows * c] = 0.5f * (a - b + d);
                        to[row + 3L * ocRows * c] = d;
                    }
                }
            }
        }
    }

    /// <summary>
    /// <c>V_ξ = Bᵀ·d·B</c> for tiles <c>[t0, t0 + count)</c> into packed B slivers: <c>v[ξ][sliver][c][lane]</c>
    /// for block tile <c>sliver·32 + lane</c>, zero in the lanes past <paramref name="count"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void TransformInputs(in Conv2dGeometry g, float* x, int t0, int count, int width, float* v)
    {
        int c = g.InChannels, h = g.InHeight, w = g.InWidth;
        int tw = (g.OutWidth + 1) / 2, th = (g.OutHeight + 1) / 2, perImage = tw * th;
        long xiStride = (long)width * c;
        int sliverStride = Nr * c;
        // Four padded input rows of one tile row: 2 columns per tile, 2 more, and room for a whole vector.
        int rowLength = 2 * tw + 2 + 48;
        float* rows = PackingBuffers.Scratch(4 * rowLength + 16);
        float* spill = rows + 4 * rowLength;
        var evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        var odds = evens + Vector512<int>.One;

        for (int t = t0, end = t0 + count; t < end;)
        {
            int n = t / perImage, r = t - n * perImage, ty = r / tw, tx0 = r - ty * tw;
            int run = Math.Min(tw - tx0, end - t);
            int local = t - t0;
            int iw0 = 2 * tx0 - g.PadW, span = 2 * run + 2;
            for (int ci = 0; ci < c; ci++)
            {
                float* plane = x + ((long)n * c + ci) * h * w;
                for (int i = 0; i < 4; i++)
                    PaddedRow(plane, h, w, 2 * ty - g.PadH + i, iw0, span, rows + i * rowLength);
                float* channel = v + (long)ci * Nr;
                for (int u = 0; u < run; u += 16)
                {
                    int used = Math.Min(16, run - u), tile = local + u;
                    // d[i][j] for 16 tiles: column j of patch row i is padded row i at 2·tile + j.
                    Load(rows + 0 * rowLength + 2 * u, evens, odds, out var d00, out var d01, out var d02, out var d03);
                    Load(rows + 1 * rowLength + 2 * u, evens, odds, out var d10, out var d11, out var d12, out var d13);
                    Load(rows + 2 * rowLength + 2 * u, evens, odds, out var d20, out var d21, out var d22, out var d23);
                    Load(rows + 3 * rowLength + 2 * u, evens, odds, out var d30, out var d31, out var d32, out var d33);
                    // Rows of Bᵀ·d are (d0 − d2, d1 + d2, d2 − d1, d1 − d3); each row times B likewise on its columns.
                    StoreRow(channel, 0, xiStride, sliverStride, tile, used, spill, d00 - d20, d01 - d21, d02 - d22, d03 - d23);
                    StoreRow(channel, 4, xiStride, sliverStride, tile, used, spill, d10 + d20, d11 + d21, d12 + d22, d13 + d23);
                    StoreRow(channel, 8, xiStride, sliverStride, tile, used, spill, d20 - d10, d21 - d11, d22 - d12, d23 - d13);
                    StoreRow(channel, 12, xiStride, sliverStride, tile, used, spill, d10 - d30, d11 - d31, d12 - d32, d13 - d33);
                }
            }
            t += run;
        }
        // Lanes past the last tile of a ragged final sliver feed product columns nobody reads; zero keeps them finite.
        if (count < width)
            for (int xi = 0; xi < 16; xi++)
                for (int ci = 0; ci < c; ci++)
                    new Span<float>(v + xi * xiStride + (long)(count / Nr) * sliverStride + (long)ci * Nr + count % Nr, width - count).Clear();
    }

    /// <summary>Input row <paramref name="ih"/>, columns <c>[iw0, iw0 + span)</c>, zero outside the image (and for a vector's worth past the span).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void PaddedRow(float* plane, int h, int w, int ih, int iw0, int span, float* row)
    {
        int padded = span + 32;
        if ((uint)ih >= (uint)h)
        {
            new Span<float>(row, padded).Clear();
            return;
        }
        int a = Math.Clamp(-iw0, 0, span), b = Math.Clamp(w - iw0, a, span);
        if (a > 0) new Span<float>(row, a).Clear();
        new ReadOnlySpan<float>(plane + (long)ih * w + iw0 + a, b - a).CopyTo(new Span<float>(row + a, b - a));
        new Span<float>(row + b, padded - b).Clear();
    }

    /// <summary>Columns 0..3 of 16 consecutive tiles' patch row: the row at 2·tile + j, split into even and odd positions.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Load(float* row, Vector512<int> evens, Vector512<int> odds,
        out Vector512<float> j0, out Vector512<float> j1, out Vector512<float> j2, out Vector512<float> j3)
    {
        var lo = Vector512.Load(row);
        var hi = Vector512.Load(row + 16);
        j0 = Avx512F.PermuteVar16x32x2(lo, evens, hi);
        j1 = Avx512F.PermuteVar16x32x2(lo, odds, hi);
        lo = Vector512.Load(row + 2);
        hi = Vector512.Load(row + 18);
        j2 = Avx512F.PermuteVar16x32x2(lo, evens, hi);
        j3 = Avx512F.PermuteVar16x32x2(lo, odds, hi);
    }

    /// <summary>One row (q0..q3 = row of Bᵀ·d) times B: ξ = first + (q0 − q2, q1 + q2, q2 − q1, q1 − q3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void StoreRow(float* channel, int first, long xiStride, int sliverStride, int tile, int used, float* spill,
        Vector512<float> q0, Vector512<float> q1, Vector512<float> q2, Vector512<float> q3)
    {
        Put(channel + first * xiStride, tile, used, sliverStride, q0 - q2, spill);
        Put(channel + (first + 1) * xiStride, tile, used, sliverStride, q1 + q2, spill);
        Put(channel + (first + 2) * xiStride, tile, used, sliverStride, q2 - q1, spill);
        Put(channel + (first + 3) * xiStride, tile, used, sliverStride, q1 - q3, spill);
    }

    /// <summary>Lanes <c>[0, used)</c> of <paramref name="value"/> to block tiles <c>tile, tile + 1, …</c> of one channel's slivers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Put(float* channel, int tile, int used, int sliverStride, Vector512<float> value, float* spill)
    {
        int sliver = tile / Nr, lane = tile - sliver * Nr;
        float* at = channel + (long)sliver * sliverStride + lane;
        if (used == 16 && lane <= Nr - 16)
        {
            value.Store(at);
            return;
        }
        value.Store(spill);
        int here = Math.Min(used, Nr - lane);
        for (int i = 0; i < here; i++) at[i] = spill[i];
        float* next = channel + (long)(sliver + 1) * sliverStride;
        for (int i = here; i < used; i++) next[i - here] = spill[i];
    }

    /// <summary>
    /// <c>Y = Aᵀ·m·A + bias</c> for tiles <c>[t0, t0 + count)</c>, from the products <c>m[ξ][oc][tile]</c>: 16 tiles of a
    /// tile row at a time, their 2x2 outputs interleaved into two output rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void TransformOutputs(in Conv2dGeometry g, float* m, int ocRows, int width, int t0, int count, float* bias, float* y)
    {
        int oc = g.OutChannels, oh = g.OutHeight, ow = g.OutWidth;
        int tw = (ow + 1) / 2, th = (oh + 1) / 2, perImage = tw * th;
        long xiStride = (long)ocRows * width;
        float* spill = PackingBuffers.Scratch(32);
        var low = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        var high = low + Vector512.Create(8);
        for (int t = t0, end = t0 + count; t < end;)
        {
            int n = t / perImage, r = t - n * perImage, ty = r / tw, tx0 = r - ty * tw;
            int run = Math.Min(tw - tx0, end - t);
            int local = t - t0;
            bool secondRow = 2 * ty + 1 < oh;
            for (int o = 0; o < oc; o++)
            {
                var b = bias == null ? Vector512<float>.Zero : Vector512.Create(bias[o]);
                float* row0 = y + (((long)n * oc + o) * oh + 2 * ty) * ow;
                float* mo = m + (long)o * width + local;
                for (int u = 0; u < run; u += 16)
                {
                    float* p = mo + u;
                    // s = Aᵀ·m (rows of Aᵀ: (1, 1, 1, 0) and (0, 1, −1, −1)), per column j of the 4x4.
                    var m00 = Vector512.Load(p); var m01 = Vector512.Load(p + xiStride);
                    var m02 = Vector512.Load(p + 2 * xiStride); var m03 = Vector512.Load(p + 3 * xiStride);
                    var m10 = Vector512.Load(p + 4 * xiStride); var m11 = Vector512.Load(p + 5 * xiStride);
                    var m12 = Vector512.Load(p + 6 * xiStride); var m13 = Vector512.Load(p + 7 * xiStride);
                    var m20 = Vector512.Load(p + 8 * xiStride); var m21 = Vector512.Load(p + 9 * xiStride);
                    var m22 = Vector512.Load(p + 10 * xiStride); var m23 = Vector512.Load(p + 11 * xiStride);
                    var m30 = Vector512.Load(p + 12 * xiStride); var m31 = Vector512.Load(p + 13 * xiStride);
                    var m32 = Vector512.Load(p + 14 * xiStride); var m33 = Vector512.Load(p + 15 * xiStride);
                    var s00 = m00 + m10 + m20; var s01 = m01 + m11 + m21; var s02 = m02 + m12 + m22; var s03 = m03 + m13 + m23;
                    var s10 = m10 - m20 - m30; var s11 = m11 - m21 - m31; var s12 = m12 - m22 - m32; var s13 = m13 - m23 - m33;
                    var y00 = s00 + s01 + s02 + b; var y01 = s01 - s02 - s03 + b;
                    var y10 = s10 + s11 + s12 + b; var y11 = s11 - s12 - s13 + b;
                    int ox = 2 * (tx0 + u), valid = Math.Min(2 * Math.Min(16, run - u), ow - ox);
                    StorePairs(row0 + ox, valid, Avx512F.PermuteVar16x32x2(y00, low, y01), Avx512F.PermuteVar16x32x2(y00, high, y01), spill);
                    if (secondRow)
                        StorePairs(row0 + ow + ox, valid, Avx512F.PermuteVar16x32x2(y10, low, y11), Avx512F.PermuteVar16x32x2(y10, high, y11), spill);
                }
            }
            t += run;
        }
    }

    /// <summary>The first <paramref name="valid"/> of 32 consecutive outputs (lo then hi).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void StorePairs(float* to, int valid, Vector512<float> lo, Vector512<float> hi, float* spill)
    {
        if (valid == 32)
        {
            lo.Store(to);
            hi.Store(to + 16);
            return;
        }
        lo.Store(spill);
        hi.Store(spill + 16);
        new ReadOnlySpan<float>(spill, valid).CopyTo(new Span<float>(to, valid));
    }

    static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
