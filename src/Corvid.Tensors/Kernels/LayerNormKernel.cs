using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace Corvid.Tensors.Kernels;

/// <summary>
/// Layer norm over the rows of contiguous x [rows, d]: the forward (row statistics and the normalised,
/// scaled and shifted row in two passes over the row) and the backward (dx row by row; the weight and
/// bias gradients as column sums over all rows).
/// </summary>
/// <remarks>
/// Row passes split rows between threads, column sums split columns, and each value is summed in the
/// same order whatever the split, so results are bit-identical for any thread count.
/// </remarks>
internal static unsafe class LayerNormKernel
{
    /// <summary>y = (x − mean)·invstd·w + b per row; saves each row's mean and invstd. w and b may be null.</summary>
    public static void Forward(float* x, float* y, int rows, int d, float* w, float* b, float eps, float* mean, float* invstd)
    {
        var work = new Rows { X = x, Y = y, RowCount = rows, D = d, W = w, B = b, Eps = eps, Mean = mean, Invstd = invstd };
        WorkerPool.Run(ref work, Parts(rows, d, rows));
    }

    /// <summary>dx = invstd·(g·w − mean(g·w) − x̂·mean(g·w·x̂)) per row.</summary>
    public static void BackwardInput(float* g, float* x, float* dx, int rows, int d, float* w, float* mean, float* invstd)
    {
        var work = new Rows { G = g, X = x, Y = dx, RowCount = rows, D = d, W = w, Mean = mean, Invstd = invstd, Backward = true };
        WorkerPool.Run(ref work, Parts(rows, d, rows));
    }

    /// <summary>dw[j] = Σ_r g[r, j]·x̂[r, j] and db[j] = Σ_r g[r, j] (either may be null).</summary>
    public static void BackwardAffine(float* g, float* x, int rows, int d, float* mean, float* invstd, float* dw, float* db)
    {
        var work = new Columns { G = g, X = x, RowCount = rows, D = d, Mean = mean, Invstd = invstd, Dw = dw, Db = db };
        WorkerPool.Run(ref work, Parts(rows, d, Math.Max(1, d / 16)));
    }

    static int Parts(int rows, int d, int units) =>
        WorkerPool.PartsFor((long)rows * d, units);

    struct Rows : IParallelWork
    {
        public float* X, G, Y, W, B, Mean, Invstd;
        public int RowCount, D;
        public float Eps;
        public bool Backward;

        public readonly void Execute(int part, int parts)
        {
            var (first, last) = WorkerPool.Share(RowCount, part, parts);
            for (int r = first; r < last; r++)
            {
                long at = (long)r * D;
                if (Backward) InputGradientRow(G + at, X + at, Y + at, D, W, Mean[r], Invstd[r]);
                else
                {
                    float m = TensorPrimitives.Sum(new ReadOnlySpan<float>(X + at, D)) / D;
                    float variance = BatchNormTrainingKernel.Planes.SumSquaredDeviation(X + at, D, m) / D;
                    float s = 1f / MathF.Sqrt(variance + Eps);
                    Mean[r] = m;
                    Invstd[r] = s;
                    NormalizeRow(X + at, Y + at, D, m, s, W, B);
                }
            }
        }
    }

    struct Columns : IParallelWork
    {
        public float* G, X, Mean, Invstd, Dw, Db;
        public int RowCount, D;

        public readonly void Execute(int part, int parts)
        {
            var (first, last) = WorkerPool.Share(D, part, parts);
            int n = last - first;
            if (n <= 0) return;
            if (Dw is not null) new Span<float>(Dw + first, n).Clear();
            if (Db is not null) new Span<float>(Db + first, n).Clear();
            for (int r = 0; r < RowCount; r++)
            {
                float* g = G + (long)r * D + first, x = X + (long)r * D + first;
                if (Db is not null) TensorPrimitives.Add(new ReadOnlySpan<float>(Db + first, n), new ReadOnlySpan<float>(g, n), new Span<float>(Db + first, n));
                if (Dw is not null) AccumulateGradXhat(g, x, Dw + first, n, Mean[r], Invstd[r]);
            }
        }
    }

    /// <summary>y = ((x − m)·s)·w + b (w, b optional).</summary>
    static void NormalizeRow(float* x, float* y, int d, float m, float s, float* w, float* b)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var vm = Vector512.Create(m);
            var vs = Vector512.Create(s);
            for (; i <= d - 16; i += 16)
            {
                var v = (Vector512.Load(x + i) - vm) * vs;
                if (w is not null) v *= Vector512.Load(w + i);
                if (b is not null) v += Vector512.Load(b + i);
                v.Store(y + i);
            }
        }
        for (; i < d; i++)
        {
            float v = (x[i] - m) * s;
            if (w is not null) v *= w[i];
            if (b is not null) v += b[i];
            y[i] = v;
        }
    }

    static void InputGradientRow(float* g, float* x, float* dx, int d, float* w, float m, float s)
    {
        // Sums of g·w and g·w·(x − m) first, then one pass for dx.
        float sumGw = 0, sumGwCentered = 0;
        int i = 0;
        if (Vector512.IsHardwareAccelerated && d >= 16)
        {
            var vm = Vector512.Create(m);
            Vector512<float> a0 = Vector512<float>.Zero, a1 = Vector512<float>.Zero;
            for (; i <= d - 16; i += 16)
            {
                var gw = Vector512.Load(g + i);
                if (w is not null) gw *= Vector512.Load(w + i);
                a0 += gw;
                a1 = Vector512.FusedMultiplyAdd(gw, Vector512.Load(x + i) - vm, a1);
            }
            sumGw = Vector512.Sum(a0);
            sumGwCentered = Vector512.Sum(a1);
        }
        for (; i < d; i++)
        {
            float gw = w is null ? g[i] : g[i] * w[i];
            sumGw += gw;
            sumGwCentered += gw * (x[i] - m);
        }
        float meanGw = sumGw / d;
        float k = s * s * sumGwCentered / d; // mean(g·w·x̂)·invstd, applied to (x − m)
        i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var vm = Vector512.Create(m);
            var vs = Vector512.Create(s);
            var vmean = Vector512.Create(meanGw);
            var vk = Vector512.Create(k);
            for (; i <= d - 16; i += 16)
            {
                var gw = Vector512.Load(g + i);
                if (w is not null) gw *= Vector512.Load(w + i);
                (vs * (gw - vmean - (Vector512.Load(x + i) - vm) * vk)).Store(dx + i);
            }
        }
        for (; i < d; i++)
        {
            float gw = w is null ? g[i] : g[i] * w[i];
            dx[i] = s * (gw - meanGw - (x[i] - m) * k);
        }
    }

    static void AccumulateGradXhat(float* g, float* x, float* dw, int n, float m, float s)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var vm = Vector512.Create(m);
            var vs = Vector512.Create(s);
            for (; i <= n - 16; i += 16)
                Vector512.FusedMultiplyAdd(Vector512.Load(g + i), (Vector512.Load(x + i) - vm) * vs, Vector512.Load(dw + i)).Store(dw + i);
        }
        for (; i < n; i++) dw[i] = MathF.FusedMultiplyAdd(g[i], (x[i] - m) * s, dw[i]);
    }
}
