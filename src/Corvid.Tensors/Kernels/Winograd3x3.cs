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
    /// filter (16 values for each of its OC·C 3x3 kernels): 32, or <see cref="MinTilesCachedFilter"/> when
    /// the transformed filter is kept between calls (<paramref name="filterCached"/>).
    /// </summary>
    public static bool Applies(in Conv2dGeometry g, bool filterCached = false) =>
        Vector512.IsHardwareAccelerated && Avx512F.IsSupported
        && g.KernelHeight == 3 && g.KernelWidth == 3 && g.StrideH == 1 && g.StrideW == 1
        && g.DilationH == 1 && g.DilationW == 1 && g.Groups == 1
        && g.InChannels >= 16 && g.OutChannels >= 16
        && TileCount(g) >= (filterCached ? MinTilesCachedFilter : 32);

    /// <summary>Output tiles at least when the filter transform is cached: a 7x7 map at batch 1 has 16.</summary>
    internal const int MinTilesCachedFilter = 16;

    /// <summary>
    /// Whether the input gradient of <paramref name="g"/> runs here: it is the convolution of the output
    /// gradient with the flipped filter and padding <c>2 − pad</c>, which must not be negative. That holds only
    /// when <paramref name="g"/> itself is a 3x3 stride-1 undilated ungrouped convolution: the geometry built from
    /// another one (a 1x1 stride-2 downsample) would be a valid 3x3 convolution of the wrong size.
    /// </summary>
    public static bool AppliesToInputGradient(in Conv2dGeometry g) =>
        g.KernelHeight == 3 && g.KernelWidth == 3 && g.StrideH == 1 && g.StrideW == 1
        && g.DilationH == 1 && g.DilationW == 1 && g.Groups == 1
        && g.PadH <= 2 && g.PadW <= 2 && Applies(InputGradientGeometry(g));

    /// <summary>The convolution whose output is the input gradient of <paramref name="g"/>: dY in, dX out.</summary>
    public static Conv2dGeometry InputGradientGeometry(in Conv2dGeometry g) =>
        new(g.Batch, g.OutChannels, g.OutHeight, g.OutWidth, g.InChannels, 3, 3, 1, 1, 2 - g.PadH, 2 - g.PadW, 1, 1, 1);

    internal static int TileCount(in Conv2dGeometry g) => g.Batch * ((g.OutHeight + 1) / 2) * ((g.OutWidth + 1) / 2);

    /// <summary>
    /// <c>y = conv(x, w) + bias</c> for a geometry <see cref="Applies"/> accepts. With <paramref name="flipped"/>,
    /// <paramref name="w"/> is the filter of the convolution whose input gradient this is
    /// (<c>[C, OC, 3, 3]</c> read as <c>w'[o, c, kh, kw] = w[c, o, 2 − kh, 2 − kw]</c>).
    /// </summary>
    public static void Run(in Conv2dGeometry g, float* x, float* w, float* bias, float* y, bool flipped, ConvWeightKey? filterKey = null)
    {
        int tiles = TileCount(g);
        int threads = WorkerPool.AvailableThreads;
        // Enough blocks for every thread, each at most TilesPerBlock tiles, a whole number of slivers.
        int blocks = Math.Max((tiles + TilesPerBlock - 1) / TilesPerBlock, Math.Min(threads, (tiles + Nr - 1) / Nr));
        int perBlock = RoundUp((tiles + blocks - 1) / blocks, Nr);
        blocks = (tiles + perBlock - 1) / perBlock;
        int ocBlocks = (g.OutChannels + Mr - 1) / Mr;
        float* u;
        float[]? cached = null;
        if (filterKey is { } key)
            cached = WinogradFilterCache.Get(key, g, flipped, w, out u);
        else
        {
            u = PackingBuffers.Staging(FilterFloats(g));
            TransformFilterParallel(g, w, flipped, u);
        }
        var work = new Work
        {
            G = g, X = x, Bias = bias, Y = y, U = u,
            Tiles = tiles, PerBlock = perBlock, Blocks = blocks, OcBlocks = ocBlocks,
        };
        // Fewer blocks than threads (a 7x7 map at batch 1 is one block): every thread takes every block and a
        // share of the output channels instead, repeating the cheap input transform.
        work.OcParts = blocks < threads ? Math.Min(threads, ocBlocks) : 1;
        WorkerPool.Run(ref work, work.OcParts > 1 ? work.OcParts : Math.Min(threads, blocks));
        GC.KeepAlive(cached);
    }

    /// <summary>Floats of a transformed filter: 16 planes of the micro-kernel's packed A.</summary>
    internal static int FilterFloats(in Conv2dGeometry g) =>
        (int)(16 * PlaneStride((long)(g.OutChannels + Mr - 1) / Mr * Mr * g.InChannels));

    /// <summary>The filter transform (<see cref="TransformFilter"/>) of all output channels, A slivers split between threads.</summary>
    internal static void TransformFilterParallel(in Conv2dGeometry g, float* w, bool flipped, float* u)
    {
        var work = new FilterWork { G = g, W = w, U = u, Flipped = flipped, OcBlocks = (g.OutChannels + Mr - 1) / Mr };
        WorkerPool.Run(ref work, Math.Min(WorkerPool.AvailableThreads, work.OcBlocks));
    }

    struct FilterWork : IParallelWork
    {
        public Conv2dGeometry G;
        public float* W, U;
        public bool Flipped;
        public int OcBlocks;

        public readonly void Execute(int part, int parts) =>
            TransformFilter(G, W, Flipped, U, OcBlocks * part / parts, OcBlocks * (part + 1) / parts);
    }

    struct Work : IParallelWork
    {
        public Conv2dGeometry G;
        public float* X, Bias, Y, U;
        public int Tiles, PerBlock, Blocks, OcBlocks, OcParts;

        public readonly void Execute(int part, int parts)
        {
            if (OcParts > 1)
            {
                for (int b = 0; b < Blocks; b++)
                    Block(b * PerBlock, Math.Min(PerBlock, Tiles - b * PerBlock), OcBlocks * part / parts, OcBlocks * (part + 1) / parts);
                return;
            }
            var (start, end) = WorkerPool.Share(Blocks, part, parts);
            for (int b = start; b < end; b++)
            {
                int t0 = b * PerBlock, count = Math.Min(PerBlock, Tiles - t0);
                Block(t0, count, 0, OcBlocks);
            }
        }

        /// <summary>Tiles <c>[t0, t0 + count)</c>: transform the inputs, 16 products, transform the outputs.</summary>
        readonly void Block(int t0, int count, int ob0, int ob1)
        {
            int c = G.InChannels, slivers = (count + Nr - 1) / Nr, width = slivers * Nr;
            int ocRows = OcBlocks * Mr;
            // V's rows (one per input channel) hold the block's tiles and room for a whole vector past them.
            int ld = width + 16;
            long vStride = PlaneStride((long)ld * c), uStride = PlaneStride((long)ocRows * c), mStride = PlaneStride((long)ocRows * width);
            float* v = PackingBuffers.B((int)(16 * vStride));
            // (+16: the output transform reads whole vectors, past the last tile of the last row.)
            float* m = PackingBuffers.A((int)(16 * mStride + 16));
            TransformInputs(G, X, t0, count, width, ld, v);
            for (int xi = 0; xi < 16; xi++)
            {
                float* vXi = v + xi * vStride, uXi = U + xi * uStride, mXi = m + xi * mStride;
                // U_ξ's A slivers in memory order, each summed over all channels before the next: the cached filter
                // (16 MB for 512 channels) streams from memory once per sliver of 32 tiles, sequentially, and the
                // output tile stays in L1 across the Kc steps. (Kc steps outermost read U in 12 KB pieces 24 KB apart
                // and were 10-20 % slower on the 512-channel 7x7 layer.) Each sum keeps its order: bit-identical.
                for (int s = 0; s < slivers; s++)
                {
                    if (count - s * Nr <= WinogradNarrowKernel.Width)
                    {
                        NarrowSliver(uXi, vXi + s * Nr, mXi + s * Nr, c, ld, width, ob0, ob1);
                        continue;
                    }
                    for (int ob = ob0; ob < ob1; ob++)
                    {
                        float* uOb = uXi + (long)ob * Mr * c, mTile = mXi + (long)ob * Mr * width + s * Nr;
                        for (int k0 = 0; k0 < c; k0 += Kc)
                            // B straight from V's rows (row stride ld): 32 tiles of kc channels.
                            GemmKernel512.Run(Math.Min(Kc, c - k0), uOb + k0 * Mr, vXi + (long)k0 * ld + s * Nr, ld,
                                mTile, width, overwrite: k0 == 0, bias: null);
                    }
                }
            }
            TransformOutputs(G, m, ocRows, width, t0, count, ob0 * Mr, Math.Min(ob1 * Mr, G.OutChannels), Bias, Y);
        }
    }

    /// <summary>
    /// The products of a last sliver with 16 tiles or fewer (a 7x7 map at batch 1 has 16): 16 columns instead of 32,
    /// A slivers in pairs. Same sums as the 32-wide kernel's first 16 lanes, so the split of A slivers between threads
    /// (which decides the pairs) changes nothing.
    /// </summary>
    static void NarrowSliver(float* u, float* v, float* m, int c, int ld, int width, int ob0, int ob1)
    {
        for (int ob = ob0; ob < ob1; ob += 2)
        {
            float* uOb = u + (long)ob * Mr * c, mTile = m + (long)ob * Mr * width;
            for (int k0 = 0; k0 < c; k0 += Kc)
            {
                int kc = Math.Min(Kc, c - k0);
                if (ob + 1 < ob1)
                    WinogradNarrowKernel.Run24(kc, uOb + k0 * Mr, uOb + Mr * c + k0 * Mr, v + (long)k0 * ld, ld, mTile, width, overwrite: k0 == 0);
                else
                    WinogradNarrowKernel.Run12(kc, uOb + k0 * Mr, v + (long)k0 * ld, ld, mTile, width, overwrite: k0 == 0);
            }
        }
    }

    /// <summary>
    /// <c>U_ξ = G·g·Gᵀ</c> for output channels of A slivers <c>[ob0, ob1)</c>, written as the micro-kernel's packed A:
    /// <c>u[ξ][ob][c][lane]</c> for output channel <c>ob·12 + lane</c> (zero past the last channel). The 12 lanes
    /// of a sliver are computed together: their taps gathered, the 16 results stored as 12 contiguous floats.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void TransformFilter(in Conv2dGeometry g, float* w, bool flipped, float* u, int ob0, int ob1)
    {
        int oc = g.OutChannels, c = g.InChannels, ocRows = (oc + Mr - 1) / Mr * Mr;
        long xiStride = PlaneStride((long)ocRows * c);
        // Tap t of (output channel o, input channel ci): w[o, ci, t], or for the input gradient w[ci, o, 8 − t].
        int laneStride = flipped ? 9 : c * 9;
        long channelStride = flipped ? (long)oc * 9 : 9;
        int tapStep = flipped ? -1 : 1, firstTap = flipped ? 8 : 0;
        var iota = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        var half = Vector512.Create(0.5f);
        var store = Vector512.LessThan(iota, Vector512.Create(Mr)).AsSingle();
        for (int ob = ob0; ob < ob1; ob++)
        {
            int lanes = Math.Min(Mr, oc - ob * Mr);
            var live = Vector512.LessThan(iota, Vector512.Create(lanes)).AsSingle();
            // Lanes past the last channel gather from lane 0 (a valid address) and are zeroed.
            var index = Vector512.ConditionalSelect(live.AsInt32(), iota * laneStride, Vector512<int>.Zero);
            float* first = w + (long)ob * Mr * laneStride + firstTap;
            for (int ci = 0; ci < c; ci++)
            {
                float* taps = first + ci * channelStride;
                var k0 = Tap(taps, 0, tapStep, index, live); var k1 = Tap(taps, 1, tapStep, index, live); var k2 = Tap(taps, 2, tapStep, index, live);
                var k3 = Tap(taps, 3, tapStep, index, live); var k4 = Tap(taps, 4, tapStep, index, live); var k5 = Tap(taps, 5, tapStep, index, live);
                var k6 = Tap(taps, 6, tapStep, index, live); var k7 = Tap(taps, 7, tapStep, index, live); var k8 = Tap(taps, 8, tapStep, index, live);
                // G·g: rows (g0, ½(g0 + g1 + g2), ½(g0 − g1 + g2), g2) of each column of the 3x3.
                var r10 = half * (k0 + k3 + k6); var r11 = half * (k1 + k4 + k7); var r12 = half * (k2 + k5 + k8);
                var r20 = half * (k0 - k3 + k6); var r21 = half * (k1 - k4 + k7); var r22 = half * (k2 - k5 + k8);
                float* to = u + ((long)ob * c + ci) * Mr;
                // (G·g)·Gᵀ: the same combination along each row.
                FilterRow(to, 0, xiStride, store, half, k0, k1, k2);
                FilterRow(to, 4, xiStride, store, half, r10, r11, r12);
                FilterRow(to, 8, xiStride, store, half, r20, r21, r22);
                FilterRow(to, 12, xiStride, store, half, k6, k7, k8);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<float> Tap(float* taps, int t, int tapStep, Vector512<int> index, Vector512<float> live)
    {
        // Twelve lanes: an 8-lane and a 4-lane gather (.NET exposes AVX2's gathers, not AVX-512's).
        float* at = taps + t * tapStep;
        var low = Avx2.GatherVector256(at, index.GetLower(), 4);
        var high = Avx2.GatherVector128(at, index.GetUpper().GetLower(), 4);
        return Vector512.ConditionalSelect(live, Vector512.Create(low, Vector256.Create(high, Vector128<float>.Zero)), Vector512<float>.Zero);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void FilterRow(float* to, int first, long xiStride, Vector512<float> store, Vector512<float> half,
        Vector512<float> a, Vector512<float> b, Vector512<float> d)
    {
        Avx512F.MaskStore(to + first * xiStride, store, a);
        Avx512F.MaskStore(to + (first + 1) * xiStride, store, half * (a + b + d));
        Avx512F.MaskStore(to + (first + 2) * xiStride, store, half * (a - b + d));
        Avx512F.MaskStore(to + (first + 3) * xiStride, store, d);
    }

    /// <summary>
    /// <c>V_ξ = Bᵀ·d·B</c> for tiles <c>[t0, t0 + count)</c>: <c>v[ξ][c][tile]</c>, rows of <paramref name="ld"/> floats
    /// that the micro-kernel reads as its B, zero from <paramref name="count"/> to <paramref name="width"/>. Patch rows
    /// are read straight from the input with masked loads (zero padding costs only the mask); results are stored as
    /// whole vectors, the lanes past a tile row's last tile overwritten by the next tile row (or landing in the
    /// row's spare 16 floats), so no store is masked.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void TransformInputs(in Conv2dGeometry g, float* x, int t0, int count, int width, int ld, float* v)
    {
        int c = g.InChannels, h = g.InHeight, w = g.InWidth;
        int tw = (g.OutWidth + 1) / 2, th = (g.OutHeight + 1) / 2, perImage = tw * th;
        long xiStride = PlaneStride((long)ld * c), plane = (long)h * w;
        var iota = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        var evens = iota + iota;
        var odds = evens + Vector512<int>.One;
        var columns = Vector512.Create((uint)w);

        for (int t = t0, end = t0 + count; t < end;)
        {
            int n = t / perImage, r = t - n * perImage, ty = r / tw, tx0 = r - ty * tw;
            int run = Math.Min(tw - tx0, end - t);
            int local = t - t0;
            int ih0 = 2 * ty - g.PadH;
            float* image = x + (long)n * c * plane;
            bool row0 = (uint)ih0 < (uint)h, row1 = (uint)(ih0 + 1) < (uint)h, row2 = (uint)(ih0 + 2) < (uint)h, row3 = (uint)(ih0 + 3) < (uint)h;
            for (int u = 0; u < run; u += 16)
            {
                // Columns of the 16 tiles' patches: iw0 .. iw0 + 33; a lane loads only inside the image.
                int iw0 = 2 * (tx0 + u) - g.PadW;
                var m0 = Inside(iw0, iota, columns);
                var m1 = Inside(iw0 + 16, iota, columns);
                var m2 = Inside(iw0 + 2, iota, columns);
                var m3 = Inside(iw0 + 18, iota, columns);
                for (int ci = 0; ci < c; ci++)
                {
                    float* at = image + ci * plane + (long)ih0 * w + iw0;
                    // d[i][j] for 16 tiles: column j of patch row i is input row ih0 + i at column iw0 + 2·tile + j.
                    Load(at, row0, m0, m1, m2, m3, evens, odds, out var d00, out var d01, out var d02, out var d03);
                    Load(at + w, row1, m0, m1, m2, m3, evens, odds, out var d10, out var d11, out var d12, out var d13);
                    Load(at + 2 * w, row2, m0, m1, m2, m3, evens, odds, out var d20, out var d21, out var d22, out var d23);
                    Load(at + 3 * w, row3, m0, m1, m2, m3, evens, odds, out var d30, out var d31, out var d32, out var d33);
                    float* to = v + (long)ci * ld + local + u;
                    // Rows of Bᵀ·d are (d0 − d2, d1 + d2, d2 − d1, d1 − d3); each row times B likewise on its columns.
                    StoreRow(to, 0, xiStride, d00 - d20, d01 - d21, d02 - d22, d03 - d23);
                    StoreRow(to, 4, xiStride, d10 + d20, d11 + d21, d12 + d22, d13 + d23);
                    StoreRow(to, 8, xiStride, d20 - d10, d21 - d11, d22 - d12, d23 - d13);
                    StoreRow(to, 12, xiStride, d10 - d30, d11 - d31, d12 - d32, d13 - d33);
                }
            }
            t += run;
        }
        // Tiles past the last of a ragged final sliver feed product columns nobody reads; zero keeps them finite.
        if (count < width)
            for (int xi = 0; xi < 16; xi++)
                for (int ci = 0; ci < c; ci++)
                    new Span<float>(v + xi * xiStride + (long)ci * ld + count, width - count).Clear();
    }

    /// <summary>Lanes whose column <c>start + lane</c> lies in <c>[0, width)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Inside(int start, Vector512<int> iota, Vector512<uint> width) =>
        Vector512.LessThan((iota + Vector512.Create(start)).AsUInt32(), width).AsSingle();

    /// <summary>Columns 0..3 of 16 consecutive tiles' patch row (the row at 2·tile + j, split into even and odd positions); zero outside the image.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Load(float* row, bool inside, Vector512<float> m0, Vector512<float> m1, Vector512<float> m2, Vector512<float> m3,
        Vector512<int> evens, Vector512<int> odds,
        out Vector512<float> j0, out Vector512<float> j1, out Vector512<float> j2, out Vector512<float> j3)
    {
        if (!inside)
        {
            j0 = j1 = j2 = j3 = Vector512<float>.Zero;
            return;
        }
        var lo = Avx512F.MaskLoad(row, m0, Vector512<float>.Zero);
        var hi = Avx512F.MaskLoad(row + 16, m1, Vector512<float>.Zero);
        j0 = Avx512F.PermuteVar16x32x2(lo, evens, hi);
        j1 = Avx512F.PermuteVar16x32x2(lo, odds, hi);
        lo = Avx512F.MaskLoad(row + 2, m2, Vector512<float>.Zero);
        hi = Avx512F.MaskLoad(row + 18, m3, Vector512<float>.Zero);
        j2 = Avx512F.PermuteVar16x32x2(lo, evens, hi);
        j3 = Avx512F.PermuteVar16x32x2(lo, odds, hi);
    }

    /// <summary>One row (q0..q3 = row of Bᵀ·d) times B: ξ = first + (q0 − q2, q1 + q2, q2 − q1, q1 − q3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void StoreRow(float* to, int first, long xiStride,
        Vector512<float> q0, Vector512<float> q1, Vector512<float> q2, Vector512<float> q3)
    {
        (q0 - q2).Store(to + first * xiStride);
        (q1 + q2).Store(to + (first + 1) * xiStride);
        (q2 - q1).Store(to + (first + 2) * xiStride);
        (q1 - q3).Store(to + (first + 3) * xiStride);
    }

    /// <summary>
    /// <c>Y = Aᵀ·m·A + bias</c> for tiles <c>[t0, t0 + count)</c>, from the products <c>m[ξ][oc][tile]</c>: 16 tiles of a
    /// tile row at a time, their 2x2 outputs interleaved into two output rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void TransformOutputs(in Conv2dGeometry g, float* m, int ocRows, int width, int t0, int count, int o0, int o1, float* bias, float* y)
    {
        int oc = g.OutChannels, oh = g.OutHeight, ow = g.OutWidth;
        int tw = (ow + 1) / 2, th = (oh + 1) / 2, perImage = tw * th;
        long xiStride = PlaneStride((long)ocRows * width);
        var iota = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        var low = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        var high = low + Vector512.Create(8);
        for (int t = t0, end = t0 + count; t < end;)
        {
            int n = t / perImage, r = t - n * perImage, ty = r / tw, tx0 = r - ty * tw;
            int run = Math.Min(tw - tx0, end - t);
            int local = t - t0;
            bool secondRow = 2 * ty + 1 < oh;
            for (int o = o0; o < o1; o++)
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
                    StorePairs(row0 + ox, valid, Avx512F.PermuteVar16x32x2(y00, low, y01), Avx512F.PermuteVar16x32x2(y00, high, y01), iota);
                    if (secondRow)
                        StorePairs(row0 + ow + ox, valid, Avx512F.PermuteVar16x32x2(y10, low, y11), Avx512F.PermuteVar16x32x2(y10, high, y11), iota);
                }
            }
            t += run;
        }
    }

    /// <summary>The first <paramref name="valid"/> of 32 consecutive outputs (lo then hi).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void StorePairs(float* to, int valid, Vector512<float> lo, Vector512<float> hi, Vector512<int> iota)
    {
        if (valid == 32)
        {
            lo.Store(to);
            hi.Store(to + 16);
            return;
        }
        Avx512F.MaskStore(to, Vector512.LessThan(iota, Vector512.Create(valid)).AsSingle(), lo);
        Avx512F.MaskStore(to + 16, Vector512.LessThan(iota, Vector512.Create(valid - 16)).AsSingle(), hi);
    }

    /// <summary>
    /// Floats from one ξ plane of a transformed operand to the next: a whole number of 4 KB pages plus one
    /// cache line. The transforms touch all 16 planes at once; a multiple of 4 KB would put those 16 lines in
    /// the same L1 set (8 ways), and every access would evict another.
    /// </summary>
    internal static long PlaneStride(long floats) => (floats + 1023) / 1024 * 1024 + 16;

    static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
