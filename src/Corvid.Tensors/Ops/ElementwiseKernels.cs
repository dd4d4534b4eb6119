using System.Numerics.Tensors;
using Corvid.Tensors.Kernels;

namespace Corvid.Tensors;

/// <summary>A float binary op: a scalar form and span forms for the unit-stride fast paths.</summary>
internal interface IBinaryOp
{
    static abstract float Apply(float a, float b);
    static abstract void Span(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> d);
    static abstract void SpanScalar(ReadOnlySpan<float> a, float b, Span<float> d);
    static abstract void ScalarSpan(float a, ReadOnlySpan<float> b, Span<float> d);
}

/// <summary>A float unary op: a scalar form and a span form.</summary>
internal interface IUnaryOp
{
    static abstract float Apply(float x);
    static abstract void Span(ReadOnlySpan<float> x, Span<float> d);
}

internal static class ElementwiseKernels
{
    /// <summary>a ⊙ b with NumPy broadcasting, into a new contiguous tensor.</summary>
    public static Tensor Binary<TOp>(Tensor a, Tensor b, string op) where TOp : IBinaryOp
    {
        a.RequireDType(DType.Float32, op);
        b.RequireDType(DType.Float32, op);
        float[] x = a.F, y = b.F;
        // The common cases first: same-shape contiguous operands, or one of them a single value.
        if (a.IsContiguous && b.IsContiguous)
        {
            if (ShapeMath.SameShape(a.shape, b.shape))
            {
                var same = Tensor.Empty(a.shape);
                ParallelSpans<TOp>.Run(x, a.Offset, y, b.Offset, same.F, a.Numel, Form.Span);
                return same;
            }
            if (b.Numel == 1 && b.Rank <= a.Rank)
            {
                var right = Tensor.Empty(a.shape);
                ParallelSpans<TOp>.Run(x, a.Offset, y, b.Offset, right.F, a.Numel, Form.SpanScalar);
                return right;
            }
            if (a.Numel == 1 && a.Rank <= b.Rank)
            {
                var left = Tensor.Empty(b.shape);
                ParallelSpans<TOp>.Run(x, a.Offset, y, b.Offset, left.F, b.Numel, Form.ScalarSpan);
                return left;
            }
        }
        var outShape = ShapeMath.Broadcast(a.shape, b.shape, op);
        var result = Tensor.Empty(outShape);
        var work = new BroadcastRows<TOp>
        {
            X = x, Y = y, O = result.F, Shape = outShape,
            Strides = [BroadcastStrides(a, outShape), BroadcastStrides(b, outShape), result.strides],
            Offsets = [a.Offset, b.Offset, 0],
        };
        int parts = WorkerPool.PartsFor(result.Numel);
        WorkerPool.Run(ref work, parts);
        return result;
    }


    /// <summary>The rows of a broadcast binary op; threads take contiguous ranges of rows (each with its own walker).</summary>
    struct BroadcastRows<TOp> : IParallelWork where TOp : IBinaryOp
    {
        public float[] X, Y, O;
        public int[] Shape, Offsets;
        public int[][] Strides;

        public readonly void Execute(int part, int parts)
        {
            var walker = RowWalker.ForPart(Shape, Strides, Offsets, part, parts, out int first, out int last);
            if (first >= last) return;
            float[] x = X, y = Y, o = O;
            int n = walker.RowLength, sa = walker.InnerStrides[0], sb = walker.InnerStrides[1];
            for (int r = first; r < last; r++)
            {
                int ao = walker.Offsets[0], bo = walker.Offsets[1], oo = walker.Offsets[2];
                var d = o.AsSpan(oo, n);
                if (sa == 1 && sb == 1) TOp.Span(x.AsSpan(ao, n), y.AsSpan(bo, n), d);
                else if (sa == 1 && sb == 0) TOp.SpanScalar(x.AsSpan(ao, n), y[bo], d);
                else if (sa == 0 && sb == 1) TOp.ScalarSpan(x[ao], y.AsSpan(bo, n), d);
                else if (sa == 0 && sb == 0) d.Fill(TOp.Apply(x[ao], y[bo])); // both broadcast along the row (a mean's gradient)
                else for (int i = 0; i < n; i++) d[i] = TOp.Apply(x[ao + i * sa], y[bo + i * sb]);
                walker.Advance();
            }
        }
    }

    public static Tensor Unary<TOp>(Tensor x, string op) where TOp : IUnaryOp
    {
        x.RequireDType(DType.Float32, op);
        var c = x.Contiguous();
        var result = Tensor.Empty(x.shape);
        ParallelUnary<TOp>.Run(c.F, c.Offset, result.F, c.Numel);
        return result;
    }

    /// <summary>Strides that read <paramref name="t"/> as if expanded to <paramref name="shape"/> (0 on broadcast dims).</summary>
    public static int[] BroadcastStrides(Tensor t, ReadOnlySpan<int> shape)
    {
        var s = new int[shape.Length];
        int lead = shape.Length - t.Rank;
        for (int d = 0; d < t.Rank; d++)
            s[lead + d] = t.shape[d] == 1 && shape[lead + d] != 1 ? 0 : t.strides[d];
        return s;
    }

    /// <summary>Applies a predicate pairwise with broadcasting (any dtype pair of the same kind), into a bool tensor.</summary>
    public static Tensor Compare<TPredicate>(Tensor a, Tensor b, string op) where TPredicate : IComparison
    {
        if ((a.DType == DType.Bool) != (b.DType == DType.Bool))
            throw new ArgumentException($"{op}: cannot compare {a.DType.Name()} with {b.DType.Name()}");
        var outShape = ShapeMath.Broadcast(a.shape, b.shape, op);
        var result = new Tensor(Storage.Allocate(DType.Bool, ShapeMath.Numel(outShape), zeroed: true), outShape);
        var o = result.B;
        var walker = new RowWalker(outShape, [BroadcastStrides(a, outShape), BroadcastStrides(b, outShape), result.strides], [a.Offset, b.Offset, 0]);
        int n = walker.RowLength, sa = walker.InnerStrides[0], sb = walker.InnerStrides[1];
        for (int r = 0; r < walker.Rows; r++)
        {
            int ao = walker.Offsets[0], bo = walker.Offsets[1], oo = walker.Offsets[2];
            if (a.DType == DType.Float32 && b.DType == DType.Float32)
            {
                float[] x = a.F, y = b.F;
                for (int i = 0; i < n; i++) o[oo + i] = TPredicate.Test(x[ao + i * sa], y[bo + i * sb]);
            }
            else
            {
                for (int i = 0; i < n; i++) o[oo + i] = TPredicate.Test(ValueAt(a, ao + i * sa), ValueAt(b, bo + i * sb));
            }
            walker.Advance();
        }
        return result;
    }

    private static double ValueAt(Tensor t, int offset) => t.DType switch
    {
        DType.Float32 => t.F[offset],
        DType.Int64 => t.L[offset],
        _ => t.B[offset] ? 1 : 0,
    };
}

/// <summary>A comparison; doubles hold every int64 label and float exactly enough for equality tests of indices.</summary>
internal interface IComparison
{
    static abstract bool Test(double a, double b);
}

internal struct EqOp : IComparison { public static bool Test(double a, double b) => a == b; }
internal struct NeOp : IComparison { public static bool Test(double a, double b) => a != b; }
internal struct LtOp : IComparison { public static bool Test(double a, double b) => a < b; }
internal struct LeOp : IComparison { public static bool Test(double a, double b) => a <= b; }
internal struct GtOp : IComparison { public static bool Test(double a, double b) => a > b; }
internal struct GeOp : IComparison { public static bool Test(double a, double b) => a >= b; }
internal struct AndOp : IComparison { public static bool Test(double a, double b) => a != 0 && b != 0; }
internal struct OrOp : IComparison { public static bool Test(double a, double b) => a != 0 || b != 0; }

internal struct AddOp : IBinaryOp
{
    public static float Apply(float a, float b) => a + b;
    public static void Span(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> d) => TensorPrimitives.Add(a, b, d);
    public static void SpanScalar(ReadOnlySpan<float> a, float b, Span<float> d) => TensorPrimitives.Add(a, b, d);
    public static void ScalarSpan(float a, ReadOnlySpan<float> b, Span<float> d) => TensorPrimitives.Add(b, a, d);
}

internal struct SubOp : IBinaryOp
{
    public static float Apply(float a, float b) => a - b;
    public static void Span(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> d) => TensorPrimitives.Subtract(a, b, d);
    public static void SpanScalar(ReadOnlySpan<float> a, float b, Span<float> d) => TensorPrimitives.Subtract(a, b, d);
    public static void ScalarSpan(float a, ReadOnlySpan<float> b, Span<float> d) => TensorPrimitives.Subtract(a, b, d);
}

internal struct MulOp : IBinaryOp
{
    public static float Apply(float a, float b) => a * b;
    public static void Span(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> d) => TensorPrimitives.Multiply(a, b, d);
    public static void SpanScalar(ReadOnlySpan<float> a, float b, Span<float> d) => TensorPrimitives.Multiply(a, b, d);
    public static void ScalarSpan(float a, ReadOnlySpan<float> b, Span<float> d) => TensorPrimitives.Multiply(b, a, d);
}

internal struct DivOp : IBinaryOp
{
    public static float Apply(float a, float b) => a / b;
    public static void Span(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> d) => TensorPrimitives.Divide(a, b, d);
    public static void SpanScalar(ReadOnlySpan<float> a, float b, Span<float> d) => TensorPrimitives.Divide(a, b, d);
    public static void ScalarSpan(float a, ReadOnlySpan<float> b, Span<float> d) => TensorPrimitives.Divide(a, b, d);
}

internal struct PowOp : IBinaryOp
{
    public static float Apply(float a, float b) => MathF.Pow(a, b);
    public static void Span(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> d) { for (int i = 0; i < d.Length; i++) d[i] = MathF.Pow(a[i], b[i]); }
    public static void SpanScalar(ReadOnlySpan<float> a, float b, Span<float> d)
    {
        if (b == 2f) TensorPrimitives.Multiply(a, a, d);
        else if (b == 1f) a.CopyTo(d);
        else if (b == 0.5f) TensorPrimitives.Sqrt(a, d);
        else for (int i = 0; i < d.Length; i++) d[i] = MathF.Pow(a[i], b);
    }
    public static void ScalarSpan(float a, ReadOnlySpan<float> b, Span<float> d) { for (int i = 0; i < d.Length; i++) d[i] = MathF.Pow(a, b[i]); }
}

internal struct MaxOp : IBinaryOp
{
    public static float Apply(float a, float b) => float.IsNaN(a) || float.IsNaN(b) ? float.NaN : Math.Max(a, b);
    public static void Span(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> d) { for (int i = 0; i < d.Length; i++) d[i] = Apply(a[i], b[i]); }
    public static void SpanScalar(ReadOnlySpan<float> a, float b, Span<float> d) { for (int i = 0; i < d.Length; i++) d[i] = Apply(a[i], b); }
    public static void ScalarSpan(float a, ReadOnlySpan<float> b, Span<float> d) { for (int i = 0; i < d.Length; i++) d[i] = Apply(a, b[i]); }
}

internal struct MinOp : IBinaryOp
{
    public static float Apply(float a, float b) => float.IsNaN(a) || float.IsNaN(b) ? float.NaN : Math.Min(a, b);
    public static void Span(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> d) { for (int i = 0; i < d.Length; i++) d[i] = Apply(a[i], b[i]); }
    public static void SpanScalar(ReadOnlySpan<float> a, float b, Span<float> d) { for (int i = 0; i < d.Length; i++) d[i] = Apply(a[i], b); }
    public static void ScalarSpan(float a, ReadOnlySpan<float> b, Span<float> d) { for (int i = 0; i < d.Length; i++) d[i] = Apply(a, b[i]); }
}

internal struct NegOp : IUnaryOp
{
    public static float Apply(float x) => -x;
    public static void Span(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Negate(x, d);
}

internal struct ExpOp : IUnaryOp
{
    public static float Apply(float x) => MathF.Exp(x);
    public static void Span(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Exp(x, d);
}

internal struct LogOp : IUnaryOp
{
    public static float Apply(float x) => MathF.Log(x);
    public static void Span(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Log(x, d);
}

internal struct SqrtOp : IUnaryOp
{
    public static float Apply(float x) => MathF.Sqrt(x);
    public static void Span(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Sqrt(x, d);
}

internal struct RsqrtOp : IUnaryOp
{
    public static float Apply(float x) => 1f / MathF.Sqrt(x);
    public static void Span(ReadOnlySpan<float> x, Span<float> d)
    {
        TensorPrimitives.Sqrt(x, d);
        TensorPrimitives.Divide(1f, d, d);
    }
}

internal struct AbsOp : IUnaryOp
{
    public static float Apply(float x) => MathF.Abs(x);
    public static void Span(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Abs(x, d);
}

internal struct SignOp : IUnaryOp
{
    public static float Apply(float x) => float.IsNaN(x) ? float.NaN : MathF.Sign(x);
    public static void Span(ReadOnlySpan<float> x, Span<float> d) { for (int i = 0; i < d.Length; i++) d[i] = Apply(x[i]); }
}

internal struct TanhOp : IUnaryOp
{
    public static float Apply(float x) => MathF.Tanh(x);
    public static void Span(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Tanh(x, d);
}

internal struct SigmoidOp : IUnaryOp
{
    public static float Apply(float x) => 1f / (1f + MathF.Exp(-x));
    public static void Span(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Sigmoid(x, d);
}

internal struct ReluOp : IUnaryOp
{
    public static float Apply(float x) => x > 0f ? x : (float.IsNaN(x) ? x : 0f);

    // TensorPrimitives.Max propagates NaN, as relu must.
    public static void Span(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Max(x, 0f, d);
}

/// <summary>1 where x &gt; 0, else 0: the derivative of relu (a constant, so its own gradient is zero).</summary>
internal struct PositiveOp : IUnaryOp
{
    public static float Apply(float x) => x > 0f ? 1f : 0f;
    public static void Span(ReadOnlySpan<float> x, Span<float> d) { for (int i = 0; i < d.Length; i++) d[i] = x[i] > 0f ? 1f : 0f; }
}

internal struct ErfOp : IUnaryOp
{
    public static float Apply(float x) => Erf.Compute(x);
    public static void Span(ReadOnlySpan<float> x, Span<float> d) => Erf.Span(x, d);
}

internal struct SinOp : IUnaryOp
{
    public static float Apply(float x) => MathF.Sin(x);
    public static void Span(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Sin(x, d);
}

internal struct CosOp : IUnaryOp
{
    public static float Apply(float x) => MathF.Cos(x);
    public static void Span(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Cos(x, d);
}
