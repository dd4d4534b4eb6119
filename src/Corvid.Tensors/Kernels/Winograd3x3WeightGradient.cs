using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Corvid.Tensors.Kernels;

/// <summary>
/// The weight gradient of a 3x3 stride-1 convolution by Winograd's F(3x3, 2x2), the adjoint of the forward
/// pass's F(2x2, 3x3): <c>dW = Gᵀ·[Σ_tiles (A·dy·Aᵀ) ⊙ (Bᵀ·d·B)]·G</c> over the 2x2 output tiles dy and their 4x4
/// input patches d. The sum over tiles is, for each of the 16 positions ξ, one matrix product
/// <c>M_ξ[OC, C] = E_ξ[OC, tiles] × V_ξ[C, tiles]ᵀ</c> on the blocked GEMM: 16 multiplies per tile and channel
/// pair instead of 36.
/// </summary>
/// <remarks>
/// Tiles go in blocks whose transformed gradients E and inputs V fit a fixed budget; each block's 16 products
/// add into M, block after block in order. The transforms split channels across threads and the products split
/// M, never the tiles, so the sums run in the same order for any thread count: results are bit-identical.
/// </remarks>
internal static unsafe class Winograd3x3WeightGradient
{
    /// <summary>Floats of transformed tiles (E and V together) per block.</summary>
    const long BlockFloats = 1 << 21;

    /// <summary>Whether the weight gradient of <paramref name="g"/> runs here: the geometries the forward pass takes.</summary>
    public static bool Applies(in Conv2dGeometry g) => Winograd3x3.Applies(g);

    /// <summary><c>dW[OC, C, 3, 3]</c> (overwritten) from the output gradient dY and the input x.</summary>
    public static void Run(in Conv2dGeometry g, float* dy, float* x, float* dw) => Run(g, dy, x, dw, BlockFloats);

    /// <summary>The same with a chosen block budget (tests use a small one to sum over several blocks).</summary>
    internal static void Run(in Conv2dGeometry g, float* dy, float* x, float* dw, long blockFloats)
    {
        int tiles = Winograd3x3.TileCount(g), oc = g.OutChannels, c = g.InChannels;
        int perBlock = (int)Math.Min(tiles, Math.Max(16, blockFloats / (16L * (oc + c)) / 16 * 16));
        // Rows of E and V hold a block's tiles, plus room for a whole vector past the last one.
        int ld = perBlock + 16;
        long eStride = Winograd3x3.PlaneStride((long)oc * ld), vStride = Winograd3x3.PlaneStride((long)c * ld);
        long mStride = Winograd3x3.PlaneStride((long)oc * c);
        float* e = PackingBuffers.Columns((int)(16 * (eStride + vStride)));
        float* v = e + 16 * eStride;
        float* m = PackingBuffers.Staging((int)(16 * mStride));
        int threads = WorkerPool.AvailableThreads;
        var work = new Work
        {
            G = g, Dy = dy, X = x, Dw = dw, E = e, V = v, M = m,
            Ld = ld, EStride = eStride, VStride = vStride, MStride = mStride,
        };
        for (int t0 = 0; t0 < tiles; t0 += perBlock)
        {
            work.T0 = t0;
            work.Count = Math.Min(perBlock, tiles - t0);
            work.Stage = Stage.Transform;
            WorkerPool.Run(ref work, Math.Min(threads, c + oc));
            for (int xi = 0; xi < 16; xi++)
            {
                var op = new GemmOperands
                {
                    M = oc, N = c, K = work.Count,
                    A = e + xi * eStride, ARow = ld, ACol = 1,
                    B = v + xi * vStride, BRow = 1, BCol = ld,
                    C = m + xi * mStride, Ldc = c, Accumulate = t0 > 0,
                };
                Gemm.Run(op, GemmIsaSelection.Best);
            }
        }
        work.Stage = Stage.Inverse;
        WorkerPool.Run(ref work, Math.Min(threads, oc));
    }

    enum Stage { Transform, Inverse }

    struct Work : IParallelWork
    {
        public Conv2dGeometry G;
        public float* Dy, X, Dw, E, V, M;
        public int Ld, T0, Count;
        public long EStride, VStride, MStride;
        public Stage Stage;

        public readonly void Execute(int part, int parts)
        {
            int c = G.InChannels, oc = G.OutChannels;
            if (Stage == Stage.Inverse)
            {
                for (int o = oc * part / parts, end = oc * (part + 1) / parts; o < end; o++) Inverse(o);
                return;
            }
            // Rows [0, C) are input channels (V), the rest output channels (E).
            int rows = c + oc;
            for (int r = rows * part / parts, end = rows * (part + 1) / parts; r < end; r++)
            {
                if (r < c) TransformInput(r);
                else TransformGradient(r - c);
            }
        }

        /// <summary><c>V_ξ = Bᵀ·d·B</c> of input channel ci for the block's tiles: <c>v[ξ][ci][tile]</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        readonly void TransformInput(int ci)
        {
            int h = G.InHeight, w = G.InWidth, tw = (G.OutWidth + 1) / 2, perImage = tw * ((G.OutHeight + 1) / 2);
            var iota = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            var evens = iota + iota;
            var odds = evens + Vector512<int>.One;
            var columns = Vector512.Create((uint)w);
            float* row = V + (long)ci * Ld;
            for (int t = T0, end = T0 + Count; t < end;)
            {
                int n = t / perImage, r = t - n * perImage, ty = r / tw, tx0 = r - ty * tw;
                int run = Math.Min(tw - tx0, end - t), ih0 = 2 * ty - G.PadH;
                float* plane = X + ((long)n * G.InChannels + ci) * h * w;
                bool row0 = (uint)ih0 < (uint)h, row1 = (uint)(ih0 + 1) < (uint)h, row2 = (uint)(ih0 + 2) < (uint)h, row3 = (uint)(ih0 + 3) < (uint)h;
                for (int u = 0; u < run; u += 16)
                {
                    int iw0 = 2 * (tx0 + u) - G.PadW;
                    var m0 = Winograd3x3.Inside(iw0, iota, columns);
                    var m1 = Winograd3x3.Inside(iw0 + 16, iota, columns);
                    var m2 = Winograd3x3.Inside(iw0 + 2, iota, columns);
                    var m3 = Winograd3x3.Inside(iw0 + 18, iota, columns);
                    float* at = plane + (long)ih0 * w + iw0;
                    Winograd3x3.Load(at, row0, m0, m1, m2, m3, evens, odds, out var d00, out var d01, out var d02, out var d03);
                    Winograd3x3.Load(at + w, row1, m0, m1, m2, m3, evens, odds, out var d10, out var d11, out var d12, out var d13);
                    Winograd3x3.Load(at + 2 * w, row2, m0, m1, m2, m3, evens, odds, out var d20, out var d21, out var d22, out var d23);
                    Winograd3x3.Load(at + 3 * w, row3, m0, m1, m2, m3, evens, odds, out var d30, out var d31, out var d32, out var d33);
                    // Whole vectors: lanes past this run are overwritten by the next run (or lie in the row's spare 16).
                    float* to = row + (t - T0) + u;
                    Winograd3x3.StoreRow(to, 0, VStride, d00 - d20, d01 - d21, d02 - d22, d03 - d23);
                    Winograd3x3.StoreRow(to, 4, VStride, d10 + d20, d11 + d21, d12 + d22, d13 + d23);
                    Winograd3x3.StoreRow(to, 8, VStride, d20 - d10, d21 - d11, d22 - d12, d23 - d13);
                    Winograd3x3.StoreRow(to, 12, VStride, d10 - d30, d11 - d31, d12 - d32, d13 - d33);
                }
                t += run;
            }
        }

        /// <summary><c>E_ξ = A·dy·Aᵀ</c> of output channel o for the block's tiles (zero past the output's edge): <c>e[ξ][o][tile]</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        readonly void TransformGradient(int o)
        {
            int oh = G.OutHeight, ow = G.OutWidth, tw = (ow + 1) / 2, perImage = tw * ((oh + 1) / 2);
            var iota = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            var evens = iota + iota;
            var odds = evens + Vector512<int>.One;
            var columns = Vector512.Create((uint)ow);
            float* row = E + (long)o * Ld;
            for (int t = T0, end = T0 + Count; t < end;)
            {
                int n = t / perImage, r = t - n * perImage, ty = r / tw, tx0 = r - ty * tw;
                int run = Math.Min(tw - tx0, end - t);
                float* top = Dy + (((long)n * G.OutChannels + o) * oh + 2 * ty) * ow;
                bool second = 2 * ty + 1 < oh;
                for (int u = 0; u < run; u += 16)
                {
                    int ox = 2 * (tx0 + u);
                    var lo = Winograd3x3.Inside(ox, iota, columns);
                    var hi = Winograd3x3.Inside(ox + 16, iota, columns);
                    // dy = [[a, b], [c, d]] for 16 tiles: even and odd columns of the tile row's two output rows.
                    var l0 = Avx512F.MaskLoad(top + ox, lo, Vector512<float>.Zero);
                    var h0 = Avx512F.MaskLoad(top + ox + 16, hi, Vector512<float>.Zero);
                    var a = Avx512F.PermuteVar16x32x2(l0, evens, h0);
                    var b = Avx512F.PermuteVar16x32x2(l0, odds, h0);
                    Vector512<float> cv = Vector512<float>.Zero, dv = Vector512<float>.Zero;
                    if (second)
                    {
                        var l1 = Avx512F.MaskLoad(top + ow + ox, lo, Vector512<float>.Zero);
                        var h1 = Avx512F.MaskLoad(top + ow + ox + 16, hi, Vector512<float>.Zero);
                        cv = Avx512F.PermuteVar16x32x2(l1, evens, h1);
                        dv = Avx512F.PermuteVar16x32x2(l1, odds, h1);
                    }
                    // A·dy has rows (a, b), (a + c, b + d), (a − c, b − d), (−c, −d); each row (p, q) times Aᵀ is (p, p + q, p − q, −q).
                    float* to = row + (t - T0) + u;
                    Pair(to, 0, EStride, a, b);
                    Pair(to, 4, EStride, a + cv, b + dv);
                    Pair(to, 8, EStride, a - cv, b - dv);
                    Pair(to, 12, EStride, -cv, -dv);
                }
                t += run;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Pair(float* to, int first, long stride, Vector512<float> p, Vector512<float> q)
        {
            p.Store(to + first * stride);
            (p + q).Store(to + (first + 1) * stride);
            (p - q).Store(to + (first + 2) * stride);
            (-q).Store(to + (first + 3) * stride);
        }

        /// <summary><c>dW[o, c] = Gᵀ·M·G</c> (Gᵀ rows: (1, ½, ½, 0), (0, ½, −½, 0), (0, ½, ½, 1)) for every input channel.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        readonly void Inverse(int o)
        {
            int c = G.InChannels;
            float* mm = stackalloc float[16];
            float* gm = stackalloc float[12];
            for (int ci = 0; ci < c; ci++)
            {
                float* src = M + (long)o * c + ci;
                for (int xi = 0; xi < 16; xi++) mm[xi] = src[xi * MStride];
                float* to = Dw + ((long)o * c + ci) * 9;
                // Gᵀ·M: three rows of four.
                for (int j = 0; j < 4; j++)
                {
                    float m0 = mm[j], m1 = mm[4 + j], m2 = mm[8 + j], m3 = mm[12 + j];
                    gm[j] = m0 + 0.5f * (m1 + m2);
                    gm[4 + j] = 0.5f * (m1 - m2);
                    gm[8 + j] = 0.5f * (m1 + m2) + m3;
                }
                for (int i = 0; i < 3; i++)
                {
                    float m0 = gm[4 * i], m1 = gm[4 * i + 1], m2 = gm[4 * i + 2], m3 = gm[4 * i + 3];
                    to[3 * i] = m0 + 0.5f * (m1 + m2);
                    to[3 * i + 1] = 0.5f * (m1 - m2);
                    to[3 * i + 2] = 0.5f * (m1 + m2) + m3;
                }
            }
        }
    }
}
