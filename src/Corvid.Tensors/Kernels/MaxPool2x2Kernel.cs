using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Corvid.Tensors.Kernels;

/// <summary>
/// The common training pool, 2x2 windows at stride 2 with no padding or dilation and every window inside
/// the plane: the forward with indices and its scatter backward, 16 outputs at a time on AVX-512 (the two
/// input rows of an output row are loaded whole and split into even and odd columns by permutes). The
/// choice per window is the generic kernel's: window order (0,0), (0,1), (1,0), (1,1), the first maximum
/// wins ties and the first NaN wins outright.
/// </summary>
internal static unsafe class MaxPool2x2Kernel
{
    /// <summary>True when the window is 2x2, stride 2, unpadded, undilated and no window crosses the plane's edge.</summary>
    public static bool Applies(in PoolWindow g) =>
        g.KH == 2 && g.KW == 2 && g.SH == 2 && g.SW == 2 && g.PH == 0 && g.PW == 0 && g.DH == 1 && g.DW == 1
        && 2 * g.OutH <= g.H && 2 * g.OutW <= g.W;

    /// <summary>One plane's forward: y = each window's maximum, idx = its position h·W + w.</summary>
    public static void IndexedPlane(in PoolWindow g, float* x, float* y, int* idx)
    {
        int w = g.W, outW = g.OutW;
        for (int i = 0; i < g.OutH; i++)
        {
            float* top = x + (long)2 * i * w, bottom = top + w;
            float* yRow = y + (long)i * outW;
            int* idxRow = idx + (long)i * outW;
            int rowBase = 2 * i * w;
            int j = 0;
            if (Avx512F.IsSupported)
            {
                var evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
                var odds = evens + Vector512<int>.One;
                for (; j <= outW - 16; j += 16)
                {
                    var t0 = Vector512.Load(top + 2 * j); var t1 = Vector512.Load(top + 2 * j + 16);
                    var b0 = Vector512.Load(bottom + 2 * j); var b1 = Vector512.Load(bottom + 2 * j + 16);
                    var best = Avx512F.PermuteVar16x32x2(t0, evens, t1);
                    var origin = Vector512.Create(rowBase + 2 * j) + evens;
                    var at = origin;
                    Take(ref best, ref at, Avx512F.PermuteVar16x32x2(t0, odds, t1), origin + Vector512<int>.One);
                    Take(ref best, ref at, Avx512F.PermuteVar16x32x2(b0, evens, b1), origin + Vector512.Create(w));
                    Take(ref best, ref at, Avx512F.PermuteVar16x32x2(b0, odds, b1), origin + Vector512.Create(w + 1));
                    best.Store(yRow + j);
                    at.Store(idxRow + j);
                }
            }
            for (; j < outW; j++)
            {
                int c = 2 * j, at = rowBase + c;
                float best = top[c];
                if (!float.IsNaN(best))
                {
                    float v = top[c + 1];
                    if (v > best || float.IsNaN(v)) { best = v; at = rowBase + c + 1; }
                }
                if (!float.IsNaN(best))
                {
                    float v = bottom[c];
                    if (v > best || float.IsNaN(v)) { best = v; at = rowBase + w + c; }
                }
                if (!float.IsNaN(best))
                {
                    float v = bottom[c + 1];
                    if (v > best || float.IsNaN(v)) { best = v; at = rowBase + w + c + 1; }
                }
                yRow[j] = best;
                idxRow[j] = at;
            }
        }
    }

    /// <summary>A later window element replaces the best when it is larger or NaN, unless the best is already NaN.</summary>
    static void Take(ref Vector512<float> best, ref Vector512<int> at, Vector512<float> v, Vector512<int> position)
    {
        var vNaN = ~Vector512.Equals(v, v);
        var bestNumber = Vector512.Equals(best, best);
        var take = (Vector512.GreaterThan(v, best) | vNaN) & bestNumber;
        best = Vector512.ConditionalSelect(take, v, best);
        at = Vector512.ConditionalSelect(take.AsInt32(), position, at);
    }

    /// <summary>
    /// One plane's backward: gx (input-shaped) = gradOut at each window's argmax and 0 elsewhere. Windows do
    /// not overlap, so every input element is written exactly once, with no clearing pass and no adds.
    /// </summary>
    public static void ScatterPlane(in PoolWindow g, float* gradOut, int* idx, float* gx)
    {
        int w = g.W, outW = g.OutW;
        for (int i = 0; i < g.OutH; i++)
        {
            float* top = gx + (long)2 * i * w, bottom = top + w;
            float* gRow = gradOut + (long)i * outW;
            int* idxRow = idx + (long)i * outW;
            int rowBase = 2 * i * w;
            int j = 0;
            if (Avx512F.IsSupported)
            {
                var low = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
                var high = Vector512.Create(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
                var lanes2 = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
                for (; j <= outW - 16; j += 16)
                {
                    var grad = Vector512.Load(gRow + j);
                    var offset = Vector512.Load(idxRow + j) - (Vector512.Create(rowBase + 2 * j) + lanes2);
                    var topEven = Vector512.ConditionalSelect(Vector512.Equals(offset, Vector512<int>.Zero).AsSingle(), grad, Vector512<float>.Zero);
                    var topOdd = Vector512.ConditionalSelect(Vector512.Equals(offset, Vector512<int>.One).AsSingle(), grad, Vector512<float>.Zero);
                    var bottomEven = Vector512.ConditionalSelect(Vector512.Equals(offset, Vector512.Create(w)).AsSingle(), grad, Vector512<float>.Zero);
                    var bottomOdd = Vector512.ConditionalSelect(Vector512.Equals(offset, Vector512.Create(w + 1)).AsSingle(), grad, Vector512<float>.Zero);
                    Avx512F.PermuteVar16x32x2(topEven, low, topOdd).Store(top + 2 * j);
                    Avx512F.PermuteVar16x32x2(topEven, high, topOdd).Store(top + 2 * j + 16);
                    Avx512F.PermuteVar16x32x2(bottomEven, low, bottomOdd).Store(bottom + 2 * j);
                    Avx512F.PermuteVar16x32x2(bottomEven, high, bottomOdd).Store(bottom + 2 * j + 16);
                }
            }
            for (; j < outW; j++)
            {
                int c = 2 * j, offset = idxRow[j] - (rowBase + c);
                float grad = gRow[j];
                top[c] = offset == 0 ? grad : 0f;
                top[c + 1] = offset == 1 ? grad : 0f;
                bottom[c] = offset == w ? grad : 0f;
                bottom[c + 1] = offset == w + 1 ? grad : 0f;
            }
            // An odd width leaves the last column outside every window.
            for (int c = 2 * outW; c < w; c++) { top[c] = 0f; bottom[c] = 0f; }
        }
        // An odd height leaves the last row outside every window.
        long covered = (long)2 * g.OutH * w;
        new Span<float>(gx + covered, (int)(g.InPlane - covered)).Clear();
    }
}
