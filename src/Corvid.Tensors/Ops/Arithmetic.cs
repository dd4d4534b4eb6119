using Corvid.Tensors.Autograd;
using Corvid.Tensors.Kernels;

namespace Corvid.Tensors;

/// <summary>Elementwise arithmetic with broadcasting; each op's gradient sits beside its forward.</summary>
public sealed partial class Tensor
{
    public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);
    public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);
    public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);
    public static Tensor operator /(Tensor a, Tensor b) => a.Div(b);
    public static Tensor operator -(Tensor a) => a.Neg();

    public static Tensor operator +(Tensor a, float b) => a.Add(Scalar(b));
    public static Tensor operator +(float a, Tensor b) => b.Add(Scalar(a));
    public static Tensor operator -(Tensor a, float b) => a.Add(Scalar(-b));
    public static Tensor operator -(float a, Tensor b) => Scalar(a).Sub(b);
    public static Tensor operator *(Tensor a, float b) => a.Mul(Scalar(b));
    public static Tensor operator *(float a, Tensor b) => b.Mul(Scalar(a));
    public static Tensor operator /(Tensor a, float b) => a.Div(Scalar(b));
    public static Tensor operator /(float a, Tensor b) => Scalar(a).Div(b);

    public Tensor Add(Tensor other)
    {
        Tensor a = this, b = other;
        var result = ElementwiseKernels.Binary<AddOp>(a, b, "add");
        return Graph.Record("AddBackward", result, (g, needs) =>
            [needs[0] ? g.SumTo(a.shape) : null, needs[1] ? g.SumTo(b.shape) : null], a, b);
    }

    public Tensor Sub(Tensor other)
    {
        Tensor a = this, b = other;
        var result = ElementwiseKernels.Binary<SubOp>(a, b, "sub");
        return Graph.Record("SubBackward", result, (g, needs) =>
            [needs[0] ? g.SumTo(a.shape) : null, needs[1] ? (-g).SumTo(b.shape) : null], a, b);
    }

    public Tensor Mul(Tensor other)
    {
        Tensor a = this, b = other;
        var result = ElementwiseKernels.Binary<MulOp>(a, b, "mul");
        return Graph.Record("MulBackward", result, (g, needs) =>
            [needs[0] ? g.MulSumTo(b, a.shape) : null, needs[1] ? g.MulSumTo(a, b.shape) : null], a, b);
    }

    public Tensor Div(Tensor other)
    {
        Tensor a = this, b = other;
        var result = ElementwiseKernels.Binary<DivOp>(a, b, "div");
        return Graph.Record("DivBackward", result, (g, needs) =>
            [needs[0] ? (g / b).SumTo(a.shape) : null, needs[1] ? (-g * a / (b * b)).SumTo(b.shape) : null], a, b);
    }

    public Tensor Neg()
    {
        var result = ElementwiseKernels.Unary<NegOp>(this, "neg");
        return Graph.Record("NegBackward", result, (g, _) => [-g], this);
    }

    /// <summary>this ** exponent, elementwise with broadcasting.</summary>
    public Tensor Pow(Tensor exponent)
    {
        Tensor a = this, b = exponent;
        var result = ElementwiseKernels.Binary<PowOp>(a, b, "pow");
        return Graph.Record("PowBackward", result, (g, needs) =>
        {
            Tensor? ga = null, gb = null;
            if (needs[0]) ga = (g * b * a.Pow(b - 1f)).SumTo(a.shape);
            // As PyTorch: where the base is 0 the exponent's gradient is taken as 0, not NaN.
            if (needs[1]) gb = Where(a.Eq(0f), ZerosLike(result), g * result * a.Log()).SumTo(b.shape);
            return [ga, gb];
        }, a, b);
    }

    public Tensor Pow(float exponent)
    {
        var a = this;
        var result = ElementwiseKernels.Binary<PowOp>(a, Scalar(exponent), "pow");
        return Graph.Record("PowBackward", result, (g, _) =>
            [exponent == 0f ? ZerosLike(a) : exponent == 2f ? g * a * 2f : g * exponent * a.Pow(exponent - 1f)], a);
    }

    public Tensor Square() => Pow(2f);

    public Tensor Exp()
    {
        var result = ElementwiseKernels.Unary<ExpOp>(this, "exp");
        return Graph.Record("ExpBackward", result, (g, _) => [g * result], this);
    }

    public Tensor Log()
    {
        var x = this;
        var result = ElementwiseKernels.Unary<LogOp>(x, "log");
        return Graph.Record("LogBackward", result, (g, _) => [g / x], x);
    }

    public Tensor Sqrt()
    {
        var result = ElementwiseKernels.Unary<SqrtOp>(this, "sqrt");
        return Graph.Record("SqrtBackward", result, (g, _) => [g / (2f * result)], this);
    }

    public Tensor Rsqrt()
    {
        var result = ElementwiseKernels.Unary<RsqrtOp>(this, "rsqrt");
        return Graph.Record("RsqrtBackward", result, (g, _) => [-0.5f * g * result.Pow(3f)], this);
    }

    public Tensor Abs()
    {
        var x = this;
        var result = ElementwiseKernels.Unary<AbsOp>(x, "abs");
        return Graph.Record("AbsBackward", result, (g, _) => [g * x.Sign()], x);
    }

    /// <summary>-1, 0 or 1 by sign (no gradient: it is flat almost everywhere).</summary>
    public Tensor Sign()
    {
        using (GradMode.NoGrad()) return ElementwiseKernels.Unary<SignOp>(this, "sign");
    }

    public Tensor Tanh()
    {
        var result = ElementwiseKernels.Unary<TanhOp>(this, "tanh");
        return Graph.Record("TanhBackward", result, (g, _) => [g * (1f - result * result)], this);
    }

    public Tensor Sigmoid()
    {
        var result = ElementwiseKernels.Unary<SigmoidOp>(this, "sigmoid");
        return Graph.Record("SigmoidBackward", result, (g, _) => [g * result * (1f - result)], this);
    }

    public Tensor Relu()
    {
        var x = this;
        var result = ElementwiseKernels.Unary<ReluOp>(x, "relu");
        return Graph.Record("ReluBackward", result, (g, _) => [ReluGradient(g, x.Detach())], x);
    }

    /// <summary>
    /// relu's input gradient, g where x &gt; 0 else 0, in one pass. It is linear in g with x a constant
    /// mask, so its own gradient is the same map of the incoming gradient (which keeps it differentiable
    /// to any order, as second-order MAML needs).
    /// </summary>
    private static Tensor ReluGradient(Tensor g, Tensor x)
    {
        var result = PointwiseMap<ReluBackwardOp>(g, x, "relu_backward");
        return Graph.Record("ReluGradientBackward", result, (gg, _) => [ReluGradient(gg, x)], g);
    }

    /// <summary>op(a, b) elementwise over two tensors of the same shape (any layout), into a new contiguous tensor.</summary>
    internal static Tensor PointwiseMap<TOp>(Tensor a, Tensor b, string op) where TOp : struct, IPointwiseOp
    {
        a.RequireDType(DType.Float32, op);
        b.RequireDType(DType.Float32, op);
        if (!ShapeMath.SameShape(a.shape, b.shape))
            throw new ArgumentException($"{op}: shapes {ShapeMath.Format(a.shape)} and {ShapeMath.Format(b.shape)} differ");
        var ac = a.IsContiguous ? a : a.Detach().Contiguous();
        var bc = b.IsContiguous ? b : b.Detach().Contiguous();
        var result = Empty(a.shape);
        PointwiseKernel.Run<TOp>(ac.F.AsSpan(ac.Offset, ac.Numel), bc.F.AsSpan(bc.Offset, bc.Numel), result.F);
        return result;
    }

    public Tensor Erf()
    {
        var x = this;
        var result = ElementwiseKernels.Unary<ErfOp>(x, "erf");
        return Graph.Record("ErfBackward", result, (g, _) => [g * (2f / MathF.Sqrt(MathF.PI)) * (-(x * x)).Exp()], x);
    }

    public Tensor Sin()
    {
        var x = this;
        var result = ElementwiseKernels.Unary<SinOp>(x, "sin");
        return Graph.Record("SinBackward", result, (g, _) => [g * x.Cos()], x);
    }

    public Tensor Cos()
    {
        var x = this;
        var result = ElementwiseKernels.Unary<CosOp>(x, "cos");
        return Graph.Record("CosBackward", result, (g, _) => [-g * x.Sin()], x);
    }

    public Tensor Reciprocal() => 1f / this;

    /// <summary>Elementwise maximum; where both are equal the gradient is split between them, as in PyTorch.</summary>
    public Tensor Maximum(Tensor other) => MaxMin<MaxOp>(other, "maximum", "MaximumBackward", (a, b) => a.Gt(b));

    public Tensor Minimum(Tensor other) => MaxMin<MinOp>(other, "minimum", "MinimumBackward", (a, b) => a.Lt(b));

    private Tensor MaxMin<TOp>(Tensor other, string op, string name, Func<Tensor, Tensor, Tensor> wins) where TOp : IBinaryOp
    {
        Tensor a = this, b = other;
        var result = ElementwiseKernels.Binary<TOp>(a, b, op);
        return Graph.Record(name, result, (g, needs) =>
        {
            var aWins = wins(a, b).Float();
            var tie = a.Eq(b).Float() * 0.5f;
            var share = aWins + tie;
            return [needs[0] ? (g * share).SumTo(a.shape) : null, needs[1] ? (g * (1f - share)).SumTo(b.shape) : null];
        }, a, b);
    }

    /// <summary>Limits values to [min, max]; the gradient passes where the value was inside the range.</summary>
    public Tensor Clamp(float? min = null, float? max = null)
    {
        var x = this;
        x.RequireDType(DType.Float32, "clamp");
        var c = x.Contiguous();
        var result = Empty(x.shape);
        var src = c.F.AsSpan(c.Offset, c.Numel);
        var dst = result.F.AsSpan();
        float lo = min ?? float.NegativeInfinity, hi = max ?? float.PositiveInfinity;
        for (int i = 0; i < dst.Length; i++)
        {
            float v = src[i];
            dst[i] = float.IsNaN(v) ? v : Math.Min(Math.Max(v, lo), hi);
        }
        return Graph.Record("ClampBackward", result, (g, _) =>
        {
            var inside = x.Ge(lo).Float() * x.Le(hi).Float();
            return [g * inside];
        }, x);
    }

    /// <summary>Picks from <paramref name="a"/> where <paramref name="condition"/> is true, else from <paramref name="b"/>.</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b)
    {
        condition.RequireDType(DType.Bool, "where");
        a.RequireDType(DType.Float32, "where");
        b.RequireDType(DType.Float32, "where");
        var shape = ShapeMath.Broadcast(ShapeMath.Broadcast(condition.shape, a.shape, "where"), b.shape, "where");
        var result = Empty(shape);
        var walker = new RowWalker(shape,
            [ElementwiseKernels.BroadcastStrides(condition, shape), ElementwiseKernels.BroadcastStrides(a, shape), ElementwiseKernels.BroadcastStrides(b, shape), result.strides],
            [condition.Offset, a.Offset, b.Offset, 0]);
        bool[] cs = condition.B;
        float[] xs = a.F, ys = b.F, o = result.F;
        int n = walker.RowLength;
        int sc = walker.InnerStrides[0], sa = walker.InnerStrides[1], sb = walker.InnerStrides[2];
        for (int r = 0; r < walker.Rows; r++)
        {
            int co = walker.Offsets[0], ao = walker.Offsets[1], bo = walker.Offsets[2], oo = walker.Offsets[3];
            for (int i = 0; i < n; i++) o[oo + i] = cs[co + i * sc] ? xs[ao + i * sa] : ys[bo + i * sb];
            walker.Advance();
        }
        return Graph.Record("WhereBackward", result, (g, needs) =>
        {
            var zero = ZerosLike(g);
            return [null, needs[1] ? Where(condition, g, zero).SumTo(a.shape) : null, needs[2] ? Where(condition, zero, g).SumTo(b.shape) : null];
        }, condition, a, b);
    }

    /// <summary>Replaces values where <paramref name="mask"/> is true by <paramref name="value"/> (mask broadcasts).</summary>
    public Tensor MaskedFill(Tensor mask, float value)
    {
        var x = this;
        var full = ShapeMath.Broadcast(mask.shape, x.shape, "masked_fill");
        if (!ShapeMath.SameShape(full, x.shape))
            throw new ArgumentException($"masked_fill: mask of shape {ShapeMath.Format(mask.shape)} does not broadcast to the tensor's shape {ShapeMath.Format(x.shape)}");
        return Where(mask, Scalar(value).Expand(x.shape), x);
    }

    public Tensor Eq(Tensor other) => ElementwiseKernels.Compare<EqOp>(this, other, "eq");
    public Tensor Ne(Tensor other) => ElementwiseKernels.Compare<NeOp>(this, other, "ne");
    public Tensor Lt(Tensor other) => ElementwiseKernels.Compare<LtOp>(this, other, "lt");
    public Tensor Le(Tensor other) => ElementwiseKernels.Compare<LeOp>(this, other, "le");
    public Tensor Gt(Tensor other) => ElementwiseKernels.Compare<GtOp>(this, other, "gt");
    public Tensor Ge(Tensor other) => ElementwiseKernels.Compare<GeOp>(this, other, "ge");

    public Tensor Eq(float value) => Eq(ScalarLike(value));
    public Tensor Ne(float value) => Ne(ScalarLike(value));
    public Tensor Lt(float value) => Lt(ScalarLike(value));
    public Tensor Le(float value) => Le(ScalarLike(value));
    public Tensor Gt(float value) => Gt(ScalarLike(value));
    public Tensor Ge(float value) => Ge(ScalarLike(value));

    private Tensor ScalarLike(float value) => DType switch
    {
        DType.Int64 => new Tensor(new Storage(new[] { (long)value }), []),
        DType.Bool => new Tensor(new Storage(new[] { value != 0 }), []),
        _ => Scalar(value),
    };

    /// <summary>Elementwise logical and/or/not of bool tensors.</summary>
    public Tensor LogicalAnd(Tensor other) => ElementwiseKernels.Compare<AndOp>(this, other, "logical_and");
    public Tensor LogicalOr(Tensor other) => ElementwiseKernels.Compare<OrOp>(this, other, "logical_or");
    public Tensor LogicalNot() => Eq(0f);
}
