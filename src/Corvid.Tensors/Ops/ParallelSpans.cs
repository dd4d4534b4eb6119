using Corvid.Tensors.Kernels;

namespace Corvid.Tensors;

/// <summary>Which operand of a binary span op is a single value.</summary>
internal enum Form { Span, SpanScalar, ScalarSpan }

/// <summary>
/// Runs a binary op's span form over contiguous operands, split into contiguous chunks between the worker
/// pool's threads when large. Elementwise, so the result does not depend on the split.
/// </summary>
internal static unsafe class ParallelSpans<TOp> where TOp : IBinaryOp
{
    const int Align = 64; // chunk boundaries on whole cache lines

    public static void Run(float[] a, int aOffset, float[] b, int bOffset, float[] d, int n, Form form)
    {
        if (WorkerPool.PartsFor(n) == 1)
        {
            Chunk(form, a.AsSpan(aOffset), b.AsSpan(bOffset), d.AsSpan(0, n), 0, n);
            return;
        }
        fixed (float* ap = a, bp = b, dp = d)
        {
            var work = new Work { A = ap + aOffset, B = bp + bOffset, D = dp, N = n, Form = form };
            WorkerPool.Run(ref work, WorkerPool.AvailableThreads);
        }
    }

    static void Chunk(Form form, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> d, int start, int length)
    {
        var dst = d.Slice(start, length);
        switch (form)
        {
            case Form.Span: TOp.Span(a.Slice(start, length), b.Slice(start, length), dst); break;
            case Form.SpanScalar: TOp.SpanScalar(a.Slice(start, length), b[0], dst); break;
            default: TOp.ScalarSpan(a[0], b.Slice(start, length), dst); break;
        }
    }

    struct Work : IParallelWork
    {
        public float* A, B, D;
        public int N;
        public Form Form;

        public readonly void Execute(int part, int parts)
        {
            int start = (int)((long)N * part / parts / Align * Align);
            int end = part == parts - 1 ? N : (int)((long)N * (part + 1) / parts / Align * Align);
            if (end <= start) return;
            int aLength = Form == Form.ScalarSpan ? 1 : N, bLength = Form == Form.SpanScalar ? 1 : N;
            Chunk(Form, new ReadOnlySpan<float>(A, aLength), new ReadOnlySpan<float>(B, bLength), new Span<float>(D, N), start, end - start);
        }
    }
}

/// <summary>Runs a unary op's span form over a contiguous operand, split into contiguous chunks between threads when large.</summary>
internal static unsafe class ParallelUnary<TOp> where TOp : IUnaryOp
{
    const int Align = 64;

    public static void Run(float[] x, int offset, float[] d, int n)
    {
        if (WorkerPool.PartsFor(n) == 1)
        {
            TOp.Span(x.AsSpan(offset, n), d.AsSpan(0, n));
            return;
        }
        fixed (float* xp = x, dp = d)
        {
            var work = new Work { X = xp + offset, D = dp, N = n };
            WorkerPool.Run(ref work, WorkerPool.AvailableThreads);
        }
    }

    struct Work : IParallelWork
    {
        public float* X, D;
        public int N;

        public readonly void Execute(int part, int parts)
        {
            int start = (int)((long)N * part / parts / Align * Align);
            int end = part == parts - 1 ? N : (int)((long)N * (part + 1) / parts / Align * Align);
            if (end > start) TOp.Span(new ReadOnlySpan<float>(X + start, end - start), new Span<float>(D + start, end - start));
        }
    }
}
