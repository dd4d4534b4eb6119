using System.Runtime.Intrinsics;

namespace Corvid.Tensors.Kernels;

/// <summary>
/// y = max(a + b, 0) (or max(a, 0) without b) over flat contiguous memory in one pass: the residual add
/// and ReLU that end a ResNet block. y may be a or b. Large calls split into contiguous chunks between
/// the worker pool's threads. NaN propagates, as PyTorch's relu.
/// </summary>
internal static unsafe class AddReluKernel
{
    const int Align = 64; // chunk boundaries on whole cache lines

    public static void Apply(float* a, float* b, float* y, long n)
    {
        var work = new Work { A = a, B = b, Y = y, N = n };
        int parts = WorkerPool.PartsFor(n);
        WorkerPool.Run(ref work, parts);
    }

    struct Work : IParallelWork
    {
        public float* A, B, Y;
        public long N;

        public readonly void Execute(int part, int parts)
        {
            long start = N * part / parts / Align * Align;
            long end = part == parts - 1 ? N : N * (part + 1) / parts / Align * Align;
            Chunk(A + start, B is null ? null : B + start, Y + start, end - start);
        }
    }

    static void Chunk(float* a, float* b, float* y, long n)
    {
        long i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            if (b is null) for (; i <= n - 16; i += 16) Vector512.Max(Vector512.Load(a + i), Vector512<float>.Zero).Store(y + i);
            else for (; i <= n - 16; i += 16) Vector512.Max(Vector512.Load(a + i) + Vector512.Load(b + i), Vector512<float>.Zero).Store(y + i);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            if (b is null) for (; i <= n - 8; i += 8) Vector256.Max(Vector256.Load(a + i), Vector256<float>.Zero).Store(y + i);
            else for (; i <= n - 8; i += 8) Vector256.Max(Vector256.Load(a + i) + Vector256.Load(b + i), Vector256<float>.Zero).Store(y + i);
        }
        for (; i < n; i++)
        {
            float v = b is null ? a[i] : a[i] + b[i];
            y[i] = v < 0 ? 0 : v;
        }
    }
}
