using Corvid.Tensors.Autograd;
using Corvid.Tensors.Kernels;

namespace Corvid.Tensors;

public static partial class F
{
    /// <summary>
    /// Layer norm as one op over rows of D = Π normalizedShape values: the forward in two passes per row,
    /// the backward as one pass for dx and a column pass for the weight and bias gradients.
    /// </summary>
    /// <remarks>
    /// Under create-graph the gradient is built from differentiable ops (the same closed form as batch
    /// norm's, over the row instead of the channel), so it can be differentiated again. A weight or bias
    /// that is not exactly of the normalized shape (a broadcast one) takes the op-by-op composite.
    /// </remarks>
    private static Tensor LayerNormRows(Tensor x, int[] normalizedShape, Tensor? weight, Tensor? bias, float eps)
    {
        x.RequireDType(DType.Float32, "layer_norm");
        var dims = Enumerable.Range(x.Rank - normalizedShape.Length, normalizedShape.Length).ToArray();
        if ((weight is not null && !ShapeMath.SameShape(weight.shape, normalizedShape)) || (bias is not null && !ShapeMath.SameShape(bias.shape, normalizedShape)))
            return LayerNormComposite(x, dims, weight, bias, eps);
        int d = ShapeMath.Numel(normalizedShape);
        int rows = d == 0 ? 0 : x.Numel / d;
        var xc = x.Contiguous().Detach();
        var wc = weight?.Contiguous().Detach();
        var bc = bias?.Contiguous().Detach();
        var mean = new float[rows];
        var invstd = new float[rows];
        var y = Tensor.Empty(x.shape);
        if (y.Numel > 0)
        {
            unsafe
            {
                fixed (float* xp = &xc.F[xc.Offset], yp = y.F, mp = mean, sp = invstd)
                fixed (float* wp = ValuesOrEmpty(wc), bp = ValuesOrEmpty(bc))
                    LayerNormKernel.Forward(xp, yp, rows, d, wp, bp, eps, mp, sp);
            }
        }
        var inputs = new List<Tensor> { x };
        if (weight is not null) inputs.Add(weight);
        if (bias is not null) inputs.Add(bias);
        return Graph.Record("LayerNormBackward", y, (g, needs) =>
        {
            Tensor? dx = null, dw = null, db = null;
            bool needW = weight is not null && needs[1], needB = bias is not null && needs[^1];
            if (GradMode.IsEnabled)
            {
                var centered = x - x.Mean(dims, keepDim: true);
                var invstdT = ((centered * centered).Mean(dims, keepDim: true) + eps).Rsqrt();
                var xhat = centered * invstdT;
                var gw = weight is null ? g : g * weight;
                if (needs[0]) dx = invstdT * (gw - gw.Mean(dims, keepDim: true) - xhat * (gw * xhat).Mean(dims, keepDim: true));
                if (needW) dw = (g * xhat).SumTo(normalizedShape);
                if (needB) db = g.SumTo(normalizedShape);
            }
            else if (g.Numel > 0)
            {
                var gc = g.Contiguous();
                if (needs[0]) dx = Tensor.Empty(x.shape);
                if (needW) dw = Tensor.Empty(normalizedShape);
                if (needB) db = Tensor.Empty(normalizedShape);
                unsafe
                {
                    fixed (float* gp = &gc.F[gc.Offset], xp = &xc.F[xc.Offset], mp = mean, sp = invstd)
                    fixed (float* wp = ValuesOrEmpty(wc), dxp = ValuesOrEmpty(dx), dwp = ValuesOrEmpty(dw), dbp = ValuesOrEmpty(db))
                    {
                        if (dxp is not null) LayerNormKernel.BackwardInput(gp, xp, dxp, rows, d, wp, mp, sp);
                        if (dwp is not null || dbp is not null) LayerNormKernel.BackwardAffine(gp, xp, rows, d, mp, sp, dwp, dbp);
                    }
                }
            }
            var grads = new List<Tensor?> { dx };
            if (weight is not null) grads.Add(dw);
            if (bias is not null) grads.Add(db);
            return [.. grads];
        }, [.. inputs]);
    }

    /// <summary>The values of a contiguous tensor, or an empty span (a null pointer when fixed) for none.</summary>
    private static Span<float> ValuesOrEmpty(Tensor? t) => t is null ? default : t.F.AsSpan(t.Offset, t.Numel);

    /// <summary>Layer norm op by op (differentiable to any order through its parts).</summary>
    private static Tensor LayerNormComposite(Tensor x, int[] dims, Tensor? weight, Tensor? bias, float eps)
    {
        var mean = x.Mean(dims, keepDim: true);
        var centered = x - mean;
        var variance = (centered * centered).Mean(dims, keepDim: true);
        var y = centered * (variance + eps).Rsqrt();
        if (weight is not null) y *= weight;
        if (bias is not null) y += bias;
        return y;
    }
}
