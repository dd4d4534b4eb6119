using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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
    // Below this many input elements a call runs on the calling thread: waking a worker costs more.
    const int ParallelThreshold = 1 << 15;

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
        int parts = size < ParallelThreshold ? 1 : Math.Min(WorkerPool.AvailableThreads, planes);
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
            int start = (int)((long)Planes * part / parts), end = (int)((long)Planes * (part + 1) / parts);
            if (start == end) return;
            int inPlane = G.InPlane, outPlane = G.OutPlane;
            switch (Kind)
            {
                case Pass.Values:
                    // One row of column maxima, reused for every output row of every plane of this part.
                    float[]? rented = G.W > 1024 ? new float[G.W] : null;
                    Span<float> stackRow = rented is null ? stackalloc float[G.W] : default;
                    fixed (float* row = rented is null ? stackRow : rented)
                    {
                        for (int p = start; p < end; p++) ValuesPlane(G, A + (long)p * inPlane, B + (long)p * outPlane, row);
                    }
                    break;
                case Pass.ValuesAndIndices:
                    for (int p = start; p < end; p++) IndexedPlane(G, A + (long)p * inPlane, B + (long)p * outPlane, Idx + (long)p * outPlane);
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
    /// Separable: for each output row, the maximum down the window's rows (contiguous, SIMD) into
    /// <paramref name="row"/>, then the maximum across each window's columns of that row.
    /// </summary>
    static void ValuesPlane(in PoolWindow g, float* x, float* y, float* row)
    {
        for (int i = 0; i < g.OutH; i++)
        {
            float* source = null;
            int rows = 0;
            for (int ki = 0; ki < g.KH; ki++)
            {
                int r = i * g.SH - g.PH + ki * g.DH;
                if ((uint)r >= (uint)g.H) continue;
                float* line = x + (long)r * g.W;
                if (rows == 0) source = line;
                else if (rows == 1) MaxInto(source, line, row, g.W);
                else MaxInto(row, line, row, g.W);
                rows++;
            }
            if (rows > 1) source = row;
            AcrossColumns(g, source, y + (long)i * g.OutW);
        }
    }

    static void AcrossColumns(in PoolWindow g, float* line, float* y)
    {
        for (int j = 0; j < g.OutW; j++)
        {
            int c0 = j * g.SW - g.PW;
            float best = float.NegativeInfinity;
            bool any = false;
            for (int kj = 0; kj < g.KW; kj++)
            {
                int c = c0 + kj * g.DW;
                if ((uint)c >= (uint)g.W) continue;
                float v = line[c];
                if (!any || v > best || float.IsNaN(v))
                {
                    best = v;
                    any = true;
                    if (float.IsNaN(v)) break;
                }
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
