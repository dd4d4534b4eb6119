using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Corvid.Tensors.Kernels;

/// <summary>The window of a 2-D pooling: input and output plane sizes, kernel, stride, padding and dilation.</summary>
internal readonly record struct PoolWindow(int H, int W, int OutH, int OutW, int KH, int KW, int SH, int SW, int PH, int PW, int DH, int DW)
{
    public int InPlane => H * W;
    public int OutPlane => OutH * OutW;
}

/// <summary>
/// Max pooling over contiguous planes [planes, H, W], each plane independent, so the planes are split
/// between the worker pool's threads. Ties keep the first maximum in window order and NaN wins, as
/// PyTorch's kernel (<c>val &gt; max || isnan(val)</c>).
/// </summary>
internal static unsafe class MaxPool2dKernel
{
    enum Pass { Values, ValuesAndIndices, Scatter, Gather }

    /// <summary>y = the maximum of each window (no indices: the inference path).</summary>
    public static void Values(in PoolWindow g, int planes, float* x, float* y) => Run(g, planes, Pass.Values, x, y, null);

    /// <summary>y = the maximum of each window, idx = its position h·W + w within the plane.</summary>
    public static void ValuesAndIndices(in PoolWindow g, int planes, float* x, float* y, int* idx) => Run(g, planes, Pass.ValuesAndIndices, x, y, idx);

    /// <summary>The backward pass: gx (input-shaped, overwritten) receives each output gradient at its window's argmax.</summary>
    public static void Scatter(in PoolWindow g, int planes, float* gradOut, int* idx, float* gx) => Run(g, planes, Pass.Scatter, gradOut, gx, idx);

    /// <summary>The backward of <see cref="Scatter"/>: y (output-shaped) = gx at each window's argmax.</summary>
    public static void Gather(in PoolWindow g, int planes, float* gx, int* idx, float* y) => Run(g, planes, Pass.Gather, gx, y, idx);

    static void Run(in PoolWindow g, int planes, Pass pass, float* a, float* b, int* idx)
    {
        var work = new Work { G = g, Planes = planes, Kind = pass, A = a, B = b, Idx = idx };
        long size = (long)planes * g.InPlane;
        int parts = WorkerPool.PartsFor(size, planes);
        WorkerPool.Run(ref work, parts);
    }

    struct Work : IParallelWork
    {
        public PoolWindow G;
        public int Planes;
        public Pass Kind;
        public float* A, B;
        public int* Idx;

        public readonly void Execute(int part, int parts)
        {
            var (start, end) = WorkerPool.Share(Planes, part, parts);
            if (start == end) return;
            int inPlane = G.InPlane, outPlane = G.OutPlane;
            switch (Kind)
            {
                case Pass.Values:
                    // One row of column maxima between −∞ padding, reused for every output row of this part's planes.
                    int padded = PaddedRowLength(G);
                    float[]? heap = padded > 2048 ? new float[padded] : null;
                    Span<float> scratch = heap is null ? stackalloc float[padded] : heap;
                    scratch.Fill(float.NegativeInfinity);
                    fixed (float* row = scratch)
                    {
                        for (int p = start; p < end; p++) ValuesPlane(G, A + (long)p * inPlane, B + (long)p * outPlane, row);
                    }
                    break;
                case Pass.ValuesAndIndices when MaxPool2x2Kernel.Applies(G):
                    for (int p = start; p < end; p++) MaxPool2x2Kernel.IndexedPlane(G, A + (long)p * inPlane, B + (long)p * outPlane, Idx + (long)p * outPlane);
                    break;
                case Pass.ValuesAndIndices:
                    for (int p = start; p < end; p++) IndexedPlane(G, A + (long)p * inPlane, B + (long)p * outPlane, Idx + (long)p * outPlane);
                    break;
                case Pass.Scatter when MaxPool2x2Kernel.Applies(G):
                    for (int p = start; p < end; p++) MaxPool2x2Kernel.ScatterPlane(G, A + (long)p * outPlane, Idx + (long)p * outPlane, B + (long)p * inPlane);
                    break;
                case Pass.Scatter:
                    for (int p = start; p < end; p++)
                    {
                        float* gx = B + (long)p * inPlane, gy = A + (long)p * outPlane;
                        int* ix = Idx + (long)p * outPlane;
                        new Span<float>(gx, inPlane).Clear();
                        for (int o = 0; o < outPlane; o++) gx[ix[o]] += gy[o];
                    }
                    break;
                default:
                    for (int p = start; p < end; p++)
                    {
                        float* src = A + (long)p * inPlane, y = B + (long)p * outPlane;
                        int* ix = Idx + (long)p * outPlane;
                        for (int o = 0; o < outPlane; o++) y[o] = src[ix[o]];
                    }
                    break;
            }
        }
    }

    /// <summary>
    /// The scratch row: left padding, the W columns, right padding up to the last window's end, and one
    /// vector pair of slack for the strided loads. Padding holds −∞, which no window maximum can pick
    /// unless the window's real values are −∞ too (same value), so the across pass needs no bounds checks.
    /// </summary>
    static int PaddedRowLength(in PoolWindow g) =>
        g.PW + g.W + Math.Max(0, (g.OutW - 1) * g.SW + (g.KW - 1) * g.DW + 1 - g.PW - g.W) + 32;

    /// <summary>
    /// Separable: for each output row, the maximum down the window's rows (contiguous, SIMD) into the
    /// scratch row, then the maximum across each window's columns of that row.
    /// </summary>
    static void ValuesPlane(in PoolWindow g, float* x, float* y, float* padded)
    {
        float* row = padded + g.PW;
        for (int i = 0; i < g.OutH; i++)
        {
            float* first = null;
            int rows = 0;
            for (int ki = 0; ki < g.KH; ki++)
            {
                int r = i * g.SH - g.PH + ki * g.DH;
                if ((uint)r >= (uint)g.H) continue;
                float* line = x + (long)r * g.W;
                if (rows == 0) first = line;
                else MaxInto(rows == 1 ? first : row, line, row, g.W);
                rows++;
            }
            if (rows == 1) Buffer.MemoryCopy(first, row, (long)g.W * sizeof(float), (long)g.W * sizeof(float));
            AcrossColumns(g, padded, y + (long)i * g.OutW);
        }
    }

    /// <summary>y[j] = max over kj of padded[j·SW + kj·DW]; stride 2 (ResNet's pool) de-interleaves two vectors per tap.</summary>
    static void AcrossColumns(in PoolWindow g, float* padded, float* y)
    {
        int j = 0;
        if (Avx512F.IsSupported && g.SW == 2)
        {
            var evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            for (; j <= g.OutW - 16; j += 16)
            {
                float* at = padded + 2 * j;
                var best = Avx512F.PermuteVar16x32x2(Vector512.Load(at), evens, Vector512.Load(at + 16));
                for (int kj = 1; kj < g.KW; kj++)
                {
                    float* tap = at + kj * g.DW;
                    best = Vector512.Max(best, Avx512F.PermuteVar16x32x2(Vector512.Load(tap), evens, Vector512.Load(tap + 16)));
                }
                best.Store(y + j);
            }
        }
        else if (Vector512.IsHardwareAccelerated && g.SW == 1)
        {
            for (; j <= g.OutW - 16; j += 16)
            {
                var best = Vector512.Load(padded + j);
                for (int kj = 1; kj < g.KW; kj++) best = Vector512.Max(best, Vector512.Load(padded + j + kj * g.DW));
                best.Store(y + j);
            }
        }
        for (; j < g.OutW; j++)
        {
            float* at = padded + j * g.SW;
            float best = at[0];
            for (int kj = 1; kj < g.KW; kj++)
            {
                float v = at[kj * g.DW];
                if (!float.IsNaN(best) && (v > best || float.IsNaN(v))) best = v;
            }
            y[j] = best;
        }
    }

    /// <summary>d = max(a, b) elementwise; Vector Max propagates NaN (IEEE 754 maximum), as pooling must.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void MaxInto(float* a, float* b, float* d, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - 16; i += 16) Vector512.Max(Vector512.Load(a + i), Vector512.Load(b + i)).Store(d + i);
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - 8; i += 8) Vector256.Max(Vector256.Load(a + i), Vector256.Load(b + i)).Store(d + i);
        for (; i < n; i++) d[i] = float.IsNaN(a[i]) || a[i] >= b[i] ? a[i] : b[i];
    }

    static void IndexedPlane(in PoolWindow g, float* x, float* y, int* idx)
    {
        for (int i = 0; i < g.OutH; i++)
        for (int j = 0; j < g.OutW; j++)
        {
            int best = -1;
            float bestValue = float.NegativeInfinity;
            for (int ki = 0; ki < g.KH; ki++)
            {
                int r = i * g.SH - g.PH + ki * g.DH;
                if ((uint)r >= (uint)g.H) continue;
                for (int kj = 0; kj < g.KW; kj++)
                {
                    int c = j * g.SW - g.PW + kj * g.DW;
                    if ((uint)c >= (uint)g.W) continue;
                    float v = x[r * g.W + c];
                    if (best < 0 || v > bestValue || float.IsNaN(v))
                    {
                        best = r * g.W + c;
                        bestValue = v;
                        if (float.IsNaN(v)) goto chosen;
                    }
                }
            }
        chosen:
            y[i * g.OutW + j] = bestValue;
            idx[i * g.OutW + j] = best;
        }
    }
}
