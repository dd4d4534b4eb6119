using System.Numerics.Tensors;

namespace Corvid.Tensors.Kernels;

/// <summary>
/// <c>y[k] = Σ_o Σ_i x[o, k, i] / divisor</c> over contiguous x viewed as [outer, kept, inner]: every sum
/// whose reduced dims are a leading block, a trailing block or both (a bias gradient over [N, D], batch-norm
/// statistics over N, H, W of NCHW), read in place instead of permuted into a copy first.
/// </summary>
/// <remarks>
/// Each output element is summed in the same order whatever the thread count (threads split the kept
/// elements, never a sum), so results are bit-identical for any <see cref="Threads.Count"/>.
/// </remarks>
internal static unsafe class BlockSumKernel
{
    public static void Sum(float* x, float* y, int outer, int kept, int inner, float divisor) =>
        Run(x, null, y, outer, kept, inner, divisor);

    /// <summary><c>y[k] = Σ_o Σ_i a[o, k, i]·b[o, k, i]</c>: a broadcast product's gradient without the product tensor.</summary>
    public static void SumOfProducts(float* a, float* b, float* y, int outer, int kept, int inner) =>
        Run(a, b, y, outer, kept, inner, 1f);

    static void Run(float* x, float* x2, float* y, int outer, int kept, int inner, float divisor)
    {
        var work = new Work { X = x, X2 = x2, Y = y, Outer = outer, Kept = kept, Inner = inner, Divisor = divisor };
        long size = (long)outer * kept * inner;
        // Rows of one kept element are split no finer than 16 outputs, so threads never share a cache line for long.
        int units = inner == 1 ? Math.Max(1, kept / 16) : kept;
        int parts = WorkerPool.PartsFor(size, units);
        WorkerPool.Run(ref work, parts);
    }

    struct Work : IParallelWork
    {
        public float* X, X2, Y; // X2: the second factor of a sum of products, or null
        public int Outer, Kept, Inner;
        public float Divisor;

        public readonly void Execute(int part, int parts)
        {
            var (start, end) = WorkerPool.Share(Kept, part, parts);
            if (start >= end) return;
            if (Inner == 1)
            {
                // Reduced dims lead: add the rows [outer][start..end) into the output, one vector pass per row.
                int n = end - start;
                var acc = new Span<float>(Y + start, n);
                if (X2 is null)
                {
                    new ReadOnlySpan<float>(X + start, n).CopyTo(acc);
                    for (int o = 1; o < Outer; o++) TensorPrimitives.Add(acc, new ReadOnlySpan<float>(X + (long)o * Kept + start, n), acc);
                }
                else
                {
                    TensorPrimitives.Multiply(new ReadOnlySpan<float>(X + start, n), new ReadOnlySpan<float>(X2 + start, n), acc);
                    for (int o = 1; o < Outer; o++)
                    {
                        long at = (long)o * Kept + start;
                        TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(X + at, n), new ReadOnlySpan<float>(X2 + at, n), acc, acc);
                    }
                }
                if (Divisor != 1f) TensorPrimitives.Divide(acc, Divisor, acc);
                return;
            }
            for (int k = start; k < end; k++)
            {
                float sum = 0f;
                for (int o = 0; o < Outer; o++)
                {
                    long at = ((long)o * Kept + k) * Inner;
                    sum += X2 is null ? TensorPrimitives.Sum(new ReadOnlySpan<float>(X + at, Inner))
                        : TensorPrimitives.Dot(new ReadOnlySpan<float>(X + at, Inner), new ReadOnlySpan<float>(X2 + at, Inner));
                }
                Y[k] = sum / Divisor;
            }
        }
    }
}
