using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Corvid.Tensors.Kernels;

/// <summary>A fused elementwise map of one or two inputs, in the vector widths and as a scalar for the tail.</summary>
internal interface IPointwiseOp
{
    static abstract Vector512<float> Apply(Vector512<float> a, Vector512<float> b);
    static abstract Vector256<float> Apply(Vector256<float> a, Vector256<float> b);
    static abstract float Apply(float a, float b);
}

/// <summary>
/// y[i] = op(a[i], b[i]) over flat contiguous memory in one pass (b = a for a one-input op). Large calls
/// split into contiguous chunks between the worker pool's threads; each element is computed the same way
/// whatever the split, so results do not depend on the thread count.
/// </summary>
internal static unsafe class PointwiseKernel
{
    const int Align = 64; // chunk boundaries on whole cache lines

    public static void Run<TOp>(float* a, float* b, float* y, long n) where TOp : struct, IPointwiseOp
    {
        var work = new Work<TOp> { A = a, B = b, Y = y, N = n };
        int parts = WorkerPool.PartsFor(n);
        WorkerPool.Run(ref work, parts);
    }

    /// <summary>The span form: <paramref name="a"/>, <paramref name="b"/> and <paramref name="y"/> have the same length.</summary>
    public static void Run<TOp>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y) where TOp : struct, IPointwiseOp
    {
        if (y.Length == 0) return;
        fixed (float* ap = a, bp = b, yp = y) Run<TOp>(ap, bp, yp, y.Length);
    }

    struct Work<TOp> : IParallelWork where TOp : struct, IPointwiseOp
    {
        public float* A, B, Y;
        public long N;

        public readonly void Execute(int part, int parts)
        {
            long start = N * part / parts / Align * Align;
            long end = part == parts - 1 ? N : N * (part + 1) / parts / Align * Align;
            Chunk<TOp>(A + start, B + start, Y + start, end - start);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Chunk<TOp>(float* a, float* b, float* y, long n) where TOp : struct, IPointwiseOp
    {
        long i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - 16; i += 16) TOp.Apply(Vector512.Load(a + i), Vector512.Load(b + i)).Store(y + i);
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - 8; i += 8) TOp.Apply(Vector256.Load(a + i), Vector256.Load(b + i)).Store(y + i);
        for (; i < n; i++) y[i] = TOp.Apply(a[i], b[i]);
    }
}
