using System.Runtime.Intrinsics;

namespace Corvid.Tensors.Kernels;

/// <summary>
/// y[n, c, …] = x[n, c, …]·scale[c] + shift[c], optionally followed by ReLU, over contiguous [N, C, inner]
/// in one pass: eval-mode batch norm with its statistics folded into a per-channel scale and shift.
/// Planes (one n, c pair) are split between the worker pool's threads; x and y may be the same memory.
/// </summary>
internal static unsafe class ChannelAffineKernel
{
    public static void Apply(float* x, float* y, float* scale, float* shift, int n, int c, int inner, bool relu)
    {
        var work = new Work { X = x, Y = y, Scale = scale, Shift = shift, N = n, C = c, Inner = inner, Relu = relu };
        long size = (long)n * c * inner;
        int units = inner == 1 ? n : n * c;
        int parts = WorkerPool.PartsFor(size, units);
        WorkerPool.Run(ref work, parts);
    }

    struct Work : IParallelWork
    {
        public float* X, Y, Scale, Shift;
        public int N, C, Inner;
        public bool Relu;

        public readonly void Execute(int part, int parts)
        {
            if (Inner == 1)
            {
                // [N, C]: each row is a vector times the scale vector plus the shift vector.
                var (start, end) = WorkerPool.Share(N, part, parts);
                for (int r = start; r < end; r++) Rows(X + (long)r * C, Y + (long)r * C, Scale, Shift, C, Relu);
                return;
            }
            int planes = N * C;
            var (first, last) = WorkerPool.Share(planes, part, parts);
            for (int p = first; p < last; p++)
            {
                int channel = p % C;
                Plane(X + (long)p * Inner, Y + (long)p * Inner, Scale[channel], Shift[channel], Inner, Relu);
            }
        }
    }

    static void Plane(float* x, float* y, float s, float t, int n, bool relu)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var vs = Vector512.Create(s);
            var vt = Vector512.Create(t);
            if (relu) for (; i <= n - 16; i += 16) Vector512.Max(Vector512.FusedMultiplyAdd(Vector512.Load(x + i), vs, vt), Vector512<float>.Zero).Store(y + i);
            else for (; i <= n - 16; i += 16) Vector512.FusedMultiplyAdd(Vector512.Load(x + i), vs, vt).Store(y + i);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var vs = Vector256.Create(s);
            var vt = Vector256.Create(t);
            if (relu) for (; i <= n - 8; i += 8) Vector256.Max(Vector256.MultiplyAddEstimate(Vector256.Load(x + i), vs, vt), Vector256<float>.Zero).Store(y + i);
            else for (; i <= n - 8; i += 8) Vector256.MultiplyAddEstimate(Vector256.Load(x + i), vs, vt).Store(y + i);
        }
        for (; i < n; i++)
        {
            float v = MathF.FusedMultiplyAdd(x[i], s, t);
            y[i] = relu && v < 0 ? 0 : v;
        }
    }

    static void Rows(float* x, float* y, float* s, float* t, int n, bool relu)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
            {
                var v = Vector256.MultiplyAddEstimate(Vector256.Load(x + i), Vector256.Load(s + i), Vector256.Load(t + i));
                (relu ? Vector256.Max(v, Vector256<float>.Zero) : v).Store(y + i);
            }
        }
        for (; i < n; i++)
        {
            float v = MathF.FusedMultiplyAdd(x[i], s[i], t[i]);
            y[i] = relu && v < 0 ? 0 : v;
        }
    }
}
