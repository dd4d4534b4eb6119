using System.Runtime.Intrinsics;

namespace Corvid.Tensors.Kernels;

/// <summary>
/// Average pooling over contiguous planes [planes, H, W] (dilation 1), planes split between the worker
/// pool's threads. Forward: window sums, separable (down the rows with SIMD into a zero-padded row,
/// then across), times 1/count. Backward: each output's gradient over its count spread back over its
/// window. The two are each other's transpose, which is how the ops built on them stay differentiable.
/// </summary>
internal static unsafe class AvgPool2dKernel
{
    /// <summary>y[o] = Σ window(o) of x · inverseCounts[o] (inverseCounts is one plane of output size).</summary>
    public static void Forward(in PoolWindow g, int planes, float* x, float* inverseCounts, float* y) => Run(g, planes, forward: true, x, inverseCounts, y);

    /// <summary>gx (input-shaped, overwritten) = Σ over the windows covering each input of gy[o] · inverseCounts[o].</summary>
    public static void Backward(in PoolWindow g, int planes, float* gy, float* inverseCounts, float* gx) => Run(g, planes, forward: false, gy, inverseCounts, gx);

    static void Run(in PoolWindow g, int planes, bool forward, float* source, float* inverseCounts, float* destination)
    {
        var work = new Work { G = g, Planes = planes, Forward = forward, Source = source, InverseCounts = inverseCounts, Destination = destination };
        long size = (long)planes * g.InPlane;
        int parts = WorkerPool.PartsFor(size, planes);
        WorkerPool.Run(ref work, parts);
    }

    struct Work : IParallelWork
    {
        public PoolWindow G;
        public int Planes;
        public bool Forward;
        public float* Source, InverseCounts, Destination;

        public readonly void Execute(int part, int parts)
        {
            var (start, end) = WorkerPool.Share(Planes, part, parts);
            if (start == end) return;
            int inPlane = G.InPlane, outPlane = G.OutPlane;
            if (!Forward)
            {
                for (int p = start; p < end; p++) BackwardPlane(G, Source + (long)p * outPlane, InverseCounts, Destination + (long)p * inPlane);
                return;
            }
            int padded = G.PW + G.W + Math.Max(0, (G.OutW - 1) * G.SW + G.KW - G.PW - G.W);
            float[]? heap = padded > 2048 ? new float[padded] : null;
            Span<float> scratch = heap is null ? stackalloc float[padded] : heap;
            scratch.Clear(); // the padding stays zero: padded cells add nothing to a window's sum
            fixed (float* row = scratch)
            {
                for (int p = start; p < end; p++) ForwardPlane(G, Source + (long)p * inPlane, InverseCounts, Destination + (long)p * outPlane, row);
            }
        }
    }

    static void ForwardPlane(in PoolWindow g, float* x, float* inverseCounts, float* y, float* padded)
    {
        float* row = padded + g.PW;
        for (int i = 0; i < g.OutH; i++)
        {
            int rows = 0;
            for (int ki = 0; ki < g.KH; ki++)
            {
                int r = i * g.SH - g.PH + ki;
                if ((uint)r >= (uint)g.H) continue;
                float* line = x + (long)r * g.W;
                if (rows++ == 0) Buffer.MemoryCopy(line, row, (long)g.W * sizeof(float), (long)g.W * sizeof(float));
                else AddInto(row, line, g.W);
            }
            if (rows == 0) new Span<float>(row, g.W).Clear();
            float* yRow = y + (long)i * g.OutW;
            float* inverse = inverseCounts + (long)i * g.OutW;
            for (int j = 0; j < g.OutW; j++)
            {
                float* at = padded + j * g.SW;
                float sum = 0f;
                for (int kj = 0; kj < g.KW; kj++) sum += at[kj];
                yRow[j] = sum * inverse[j];
            }
        }
    }

    static void AddInto(float* d, float* s, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - 16; i += 16) (Vector512.Load(d + i) + Vector512.Load(s + i)).Store(d + i);
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - 8; i += 8) (Vector256.Load(d + i) + Vector256.Load(s + i)).Store(d + i);
        for (; i < n; i++) d[i] += s[i];
    }

    static void BackwardPlane(in PoolWindow g, float* gy, float* inverseCounts, float* gx)
    {
        new Span<float>(gx, g.InPlane).Clear();
        for (int i = 0; i < g.OutH; i++)
        for (int j = 0; j < g.OutW; j++)
        {
            float share = gy[i * g.OutW + j] * inverseCounts[i * g.OutW + j];
            for (int ki = 0; ki < g.KH; ki++)
            {
                int r = i * g.SH - g.PH + ki;
                if ((uint)r >= (uint)g.H) continue;
                for (int kj = 0; kj < g.KW; kj++)
                {
                    int c = j * g.SW - g.PW + kj;
                    if ((uint)c < (uint)g.W) gx[r * g.W + c] += share;
                }
            }
        }
    }
}
