using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Corvid.Tensors.Kernels;

/// <summary>
/// The passes of training-mode batch norm over contiguous x [N, C, inner]: per-channel statistics, the
/// normalising affine map, and the backward's two per-channel sums and input gradient. Each pass reads
/// memory once; the composite it replaces made a new tensor per elementwise step and copied x to
/// permute the reduced dims inward.
/// </summary>
/// <remarks>
/// Per-channel passes split channels between threads and elementwise passes split planes, and every
/// channel is summed plane by plane in the same order, so results are bit-identical for any thread count.
/// </remarks>
internal static unsafe class BatchNormTrainingKernel
{
    /// <summary>mean[c] and biased variance[c] over the N·inner values of each channel (two passes, so no cancellation).</summary>
    public static void Statistics(float* x, int n, int c, int inner, float* mean, float* variance)
    {
        var work = new PerChannel { Kind = ChannelPass.Statistics, X = x, N = n, C = c, Inner = inner, Out0 = mean, Out1 = variance };
        WorkerPool.Run(ref work, Parts(n, c, inner, c));
    }

    /// <summary>sumG[c] = Σ g and sumGCentered[c] = Σ g·(x − mean[c]) over each channel.</summary>
    public static void GradientSums(float* g, float* x, int n, int c, int inner, float* mean, float* sumG, float* sumGCentered)
    {
        var work = new PerChannel { Kind = ChannelPass.GradientSums, G = g, X = x, N = n, C = c, Inner = inner, Mean = mean, Out0 = sumG, Out1 = sumGCentered };
        WorkerPool.Run(ref work, Parts(n, c, inner, c));
    }

    /// <summary>y = a[c]·x + b[c], or y = a[c]·x + b[c]·g + d[c] when <paramref name="g"/> is given (the input gradient's form).</summary>
    public static void PerChannelMap(float* x, float* g, float* y, int n, int c, int inner, float* a, float* b, float* d)
    {
        var work = new Map { X = x, G = g, Y = y, N = n, C = c, Inner = inner, A = a, B = b, D = d };
        WorkerPool.Run(ref work, Parts(n, c, inner, n * c));
    }

    static int Parts(int n, int c, int inner, int units) =>
        WorkerPool.PartsFor((long)n * c * inner, units);

    enum ChannelPass { Statistics, GradientSums }

    struct PerChannel : IParallelWork
    {
        public ChannelPass Kind;
        public float* X, G, Mean, Out0, Out1;
        public int N, C, Inner;

        public readonly void Execute(int part, int parts)
        {
            var (first, last) = WorkerPool.Share(C, part, parts);
            long count = (long)N * Inner;
            for (int ch = first; ch < last; ch++)
            {
                if (Kind == ChannelPass.Statistics)
                {
                    double sum = 0;
                    for (int i = 0; i < N; i++) sum += Planes.Sum(X + ((long)i * C + ch) * Inner, Inner);
                    float mean = (float)(sum / count);
                    double squares = 0;
                    for (int i = 0; i < N; i++) squares += Planes.SumSquaredDeviation(X + ((long)i * C + ch) * Inner, Inner, mean);
                    Out0[ch] = mean;
                    Out1[ch] = (float)(squares / count);
                }
                else
                {
                    double sumG = 0, sumGCentered = 0;
                    for (int i = 0; i < N; i++)
                    {
                        long at = ((long)i * C + ch) * Inner;
                        sumG += Planes.Sum(G + at, Inner);
                        sumGCentered += Planes.SumProductDeviation(G + at, X + at, Inner, Mean[ch]);
                    }
                    Out0[ch] = (float)sumG;
                    Out1[ch] = (float)sumGCentered;
                }
            }
        }
    }

    struct Map : IParallelWork
    {
        public float* X, G, Y, A, B, D;
        public int N, C, Inner;

        public readonly void Execute(int part, int parts)
        {
            int planes = N * C;
            var (first, last) = WorkerPool.Share(planes, part, parts);
            for (int p = first; p < last; p++)
            {
                int ch = p % C;
                long at = (long)p * Inner;
                if (G is null) Planes.Affine(X + at, Y + at, Inner, A[ch], B[ch]);
                else Planes.Affine2(X + at, G + at, Y + at, Inner, A[ch], B[ch], D[ch]);
            }
        }
    }

    /// <summary>The SIMD loops over one contiguous plane.</summary>
    internal static class Planes
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Sum(float* x, int n) => System.Numerics.Tensors.TensorPrimitives.Sum(new ReadOnlySpan<float>(x, n));

        public static float SumSquaredDeviation(float* x, int n, float m)
        {
            int i = 0;
            float total = 0;
            if (Vector512.IsHardwareAccelerated && n >= 16)
            {
                var vm = Vector512.Create(m);
                var acc = Vector512<float>.Zero;
                for (; i <= n - 16; i += 16)
                {
                    var d = Vector512.Load(x + i) - vm;
                    acc = Vector512.FusedMultiplyAdd(d, d, acc);
                }
                total = Vector512.Sum(acc);
            }
            else if (Vector256.IsHardwareAccelerated && n >= 8)
            {
                var vm = Vector256.Create(m);
                var acc = Vector256<float>.Zero;
                for (; i <= n - 8; i += 8)
                {
                    var d = Vector256.Load(x + i) - vm;
                    acc = Vector256.MultiplyAddEstimate(d, d, acc);
                }
                total = Vector256.Sum(acc);
            }
            for (; i < n; i++)
            {
                float d = x[i] - m;
                total += d * d;
            }
            return total;
        }

        public static float SumProductDeviation(float* g, float* x, int n, float m)
        {
            int i = 0;
            float total = 0;
            if (Vector512.IsHardwareAccelerated && n >= 16)
            {
                var vm = Vector512.Create(m);
                var acc = Vector512<float>.Zero;
                for (; i <= n - 16; i += 16) acc = Vector512.FusedMultiplyAdd(Vector512.Load(g + i), Vector512.Load(x + i) - vm, acc);
                total = Vector512.Sum(acc);
            }
            else if (Vector256.IsHardwareAccelerated && n >= 8)
            {
                var vm = Vector256.Create(m);
                var acc = Vector256<float>.Zero;
                for (; i <= n - 8; i += 8) acc = Vector256.MultiplyAddEstimate(Vector256.Load(g + i), Vector256.Load(x + i) - vm, acc);
                total = Vector256.Sum(acc);
            }
            for (; i < n; i++) total += g[i] * (x[i] - m);
            return total;
        }

        /// <summary>y = a·x + b.</summary>
        public static void Affine(float* x, float* y, int n, float a, float b)
        {
            int i = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                var va = Vector512.Create(a);
                var vb = Vector512.Create(b);
                for (; i <= n - 16; i += 16) Vector512.FusedMultiplyAdd(Vector512.Load(x + i), va, vb).Store(y + i);
            }
            if (Vector256.IsHardwareAccelerated)
            {
                var va = Vector256.Create(a);
                var vb = Vector256.Create(b);
                for (; i <= n - 8; i += 8) Vector256.MultiplyAddEstimate(Vector256.Load(x + i), va, vb).Store(y + i);
            }
            for (; i < n; i++) y[i] = MathF.FusedMultiplyAdd(x[i], a, b);
        }

        /// <summary>y = a·x + b·g + d.</summary>
        public static void Affine2(float* x, float* g, float* y, int n, float a, float b, float d)
        {
            int i = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                var va = Vector512.Create(a);
                var vb = Vector512.Create(b);
                var vd = Vector512.Create(d);
                for (; i <= n - 16; i += 16)
                    Vector512.FusedMultiplyAdd(Vector512.Load(x + i), va, Vector512.FusedMultiplyAdd(Vector512.Load(g + i), vb, vd)).Store(y + i);
            }
            if (Vector256.IsHardwareAccelerated)
            {
                var va = Vector256.Create(a);
                var vb = Vector256.Create(b);
                var vd = Vector256.Create(d);
                for (; i <= n - 8; i += 8)
                    Vector256.MultiplyAddEstimate(Vector256.Load(x + i), va, Vector256.MultiplyAddEstimate(Vector256.Load(g + i), vb, vd)).Store(y + i);
            }
            for (; i < n; i++) y[i] = MathF.FusedMultiplyAdd(x[i], a, MathF.FusedMultiplyAdd(g[i], b, d));
        }
    }
}
