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

    /// <summary>
    /// One plane's forward: y = each window's maximum, idx = its position h·W + w. Rows of 8 or 4 outputs
    /// (the deeper layers of small images) fill a vector with 2 or 4 output rows at once.
    /// </summary>
    public static void IndexedPlane(in PoolWindow g, float* x, float* y, int* idx)
    {
        int i = 0, group = RowsPerVector(g.OutW);
        if (group > 1)
        {
            var origin = GroupOrigins(g);
            for (; i <= g.OutH - group; i += group)
            {
                float* top = x + (long)2 * i * g.W;
                var (t0, t1) = LoadRows(top, 2 * g.W, g.OutW);
                var (b0, b1) = LoadRows(top + g.W, 2 * g.W, g.OutW);
                Step(t0, t1, b0, b1, origin + Vector512.Create(2 * i * g.W), g.W, y + (long)i * g.OutW, idx + (long)i * g.OutW);
            }
        }
        for (; i < g.OutH; i++) IndexedRow(g, x, y, idx, i);
    }

    /// <summary>Output rows per 16-lane vector: 2 for rows of 8, 4 for rows of 4 (AVX-512 only); 1 otherwise.</summary>
    static int RowsPerVector(int outW) => Avx512F.IsSupported && (outW == 8 || outW == 4) ? 16 / outW : 1;

    /// <summary>Lane l of a row group: the top-left input position of its window, relative to the group's first input row.</summary>
    static Vector512<int> GroupOrigins(in PoolWindow g)
    {
        var lane = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        var row = g.OutW == 8 ? lane >>> 3 : lane >>> 2;
        var column = lane & Vector512.Create(g.OutW - 1);
        return row * Vector512.Create(2 * g.W) + column * Vector512.Create(2);
    }

    /// <summary>The first 2·outW inputs of 16 / outW rows, rowStride apart, as 32 consecutive lanes (two vectors).</summary>
    static (Vector512<float>, Vector512<float>) LoadRows(float* first, int rowStride, int outW)
    {
        if (outW == 8) return (Vector512.Load(first), Vector512.Load(first + rowStride));
        return (Vector512.Create(Vector256.Load(first), Vector256.Load(first + rowStride)),
                Vector512.Create(Vector256.Load(first + 2 * rowStride), Vector256.Load(first + 3 * rowStride)));
    }

    /// <summary>The inverse of <see cref="LoadRows"/>: 32 lanes back to the first 2·outW columns of 16 / outW rows.</summary>
    static void StoreRows(Vector512<float> low, Vector512<float> high, float* first, int rowStride, int outW)
    {
        if (outW == 8) { low.Store(first); high.Store(first + rowStride); return; }
        low.GetLower().Store(first); low.GetUpper().Store(first + rowStride);
        high.GetLower().Store(first + 2 * rowStride); high.GetUpper().Store(first + 3 * rowStride);
    }

    /// <summary>16 windows: top and bottom rows as 32 lanes each (window k's columns at lanes 2k, 2k + 1), split into evens and odds.</summary>
    static void Step(Vector512<float> t0, Vector512<float> t1, Vector512<float> b0, Vector512<float> b1, Vector512<int> origin, int w, float* y, int* idx)
    {
        var evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        var odds = evens + Vector512<int>.One;
        var best = Avx512F.PermuteVar16x32x2(t0, evens, t1);
        var at = origin;
        Take(ref best, ref at, Avx512F.PermuteVar16x32x2(t0, odds, t1), origin + Vector512<int>.One);
        Take(ref best, ref at, Avx512F.PermuteVar16x32x2(b0, evens, b1), origin + Vector512.Create(w));
        Take(ref best, ref at, Avx512F.PermuteVar16x32x2(b0, odds, b1), origin + Vector512.Create(w + 1));
        best.Store(y);
        at.Store(idx);
    }

    static void IndexedRow(in PoolWindow g, float* x, float* y, int* idx, int i)
    {
        int w = g.W, outW = g.OutW;
        float* top = x + (long)2 * i * w, bottom = top + w;
        float* yRow = y + (long)i * outW;
        int* idxRow = idx + (long)i * outW;
        int rowBase = 2 * i * w;
        int j = 0;
        if (Avx512F.IsSupported)
        {
            var evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            for (; j <= outW - 16; j += 16)
                Step(Vector512.Load(top + 2 * j), Vector512.Load(top + 2 * j + 16), Vector512.Load(bottom + 2 * j), Vector512.Load(bottom + 2 * j + 16),
                     Vector512.Create(rowBase + 2 * j) + evens, w, yRow + j, idxRow + j);
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
        int i = 0, group = RowsPerVector(outW);
        if (group > 1)
        {
            var origin = GroupOrigins(g);
            for (; i <= g.OutH - group; i += group)
            {
                var (topEven, topOdd, bottomEven, bottomOdd) = Split(Vector512.Load(gradOut + (long)i * outW), Vector512.Load(idx + (long)i * outW),
                    origin + Vector512.Create(2 * i * w), w);
                float* top = gx + (long)2 * i * w;
                StoreRows(Interleave(topEven, topOdd, low: true), Interleave(topEven, topOdd, low: false), top, 2 * w, outW);
                StoreRows(Interleave(bottomEven, bottomOdd, low: true), Interleave(bottomEven, bottomOdd, low: false), top + w, 2 * w, outW);
            }
        }
        for (; i < g.OutH; i++) ScatterRow(g, gradOut, idx, gx, i);
        // An odd width leaves the last column outside every window, an odd height the last row.
        for (int r = 0; r < 2 * g.OutH; r++)
        for (int c = 2 * outW; c < w; c++) gx[(long)r * w + c] = 0f;
        long covered = (long)2 * g.OutH * w;
        new Span<float>(gx + covered, (int)(g.InPlane - covered)).Clear();
    }

    /// <summary>16 windows' gradients routed to the element each window chose: zero where it chose another.</summary>
    static (Vector512<float>, Vector512<float>, Vector512<float>, Vector512<float>) Split(Vector512<float> grad, Vector512<int> chosen, Vector512<int> origin, int w)
    {
        var offset = chosen - origin;
        return (Vector512.ConditionalSelect(Vector512.Equals(offset, Vector512<int>.Zero).AsSingle(), grad, Vector512<float>.Zero),
                Vector512.ConditionalSelect(Vector512.Equals(offset, Vector512<int>.One).AsSingle(), grad, Vector512<float>.Zero),
                Vector512.ConditionalSelect(Vector512.Equals(offset, Vector512.Create(w)).AsSingle(), grad, Vector512<float>.Zero),
                Vector512.ConditionalSelect(Vector512.Equals(offset, Vector512.Create(w + 1)).AsSingle(), grad, Vector512<float>.Zero));
    }

    /// <summary>Even and odd columns back into one row: lanes 0-7 of each (low) or lanes 8-15 (high), alternating.</summary>
    static Vector512<float> Interleave(Vector512<float> even, Vector512<float> odd, bool low) =>
        Avx512F.PermuteVar16x32x2(even, low ? Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23)
                                            : Vector512.Create(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31), odd);

    static void ScatterRow(in PoolWindow g, float* gradOut, int* idx, float* gx, int i)
    {
        int w = g.W, outW = g.OutW;
        float* top = gx + (long)2 * i * w, bottom = top + w;
        float* gRow = gradOut + (long)i * outW;
        int* idxRow = idx + (long)i * outW;
        int rowBase = 2 * i * w;
        int j = 0;
        if (Avx512F.IsSupported)
        {
            var evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            for (; j <= outW - 16; j += 16)
            {
                var (topEven, topOdd, bottomEven, bottomOdd) = Split(Vector512.Load(gRow + j), Vector512.Load(idxRow + j), Vector512.Create(rowBase + 2 * j) + evens, w);
                Interleave(topEven, topOdd, low: true).Store(top + 2 * j);
                Interleave(topEven, topOdd, low: false).Store(top + 2 * j + 16);
                Interleave(bottomEven, bottomOdd, low: true).Store(bottom + 2 * j);
                Interleave(bottomEven, bottomOdd, low: false).Store(bottom + 2 * j + 16);
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
    }
}
