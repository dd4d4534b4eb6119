using Corvid.Tensors.Autograd;
using Corvid.Tensors.Kernels;

namespace Corvid.Tensors;

/// <summary>
/// Convolution as three ops that close under differentiation: the forward, its input gradient
/// (which is also the transposed convolution) and its weight gradient. Each one's backward is
/// written with the other two, so convolutions have gradients of every order (MAML needs two).
/// </summary>
internal static class ConvOps
{
    /// <summary>y = conv(x, w) (+ bias, added by the kernel in the same pass): x [N, C, H, W], w [O, C/groups, kH, kW], bias [O].</summary>
    public static Tensor Forward(Tensor x, Tensor w, Conv2dGeometry g, Tensor? bias = null)
    {
        var xc = x.Contiguous();
        var wc = w.Contiguous();
        var bc = bias?.Contiguous();
        var y = Tensor.Empty([g.Batch, g.OutChannels, g.OutHeight, g.OutWidth]);
        Conv2d.Forward(g, xc.AsSpan(), wc.AsSpan(), bc is null ? ReadOnlySpan<float>.Empty : bc.AsSpan(), y.MutableSpan(), CacheableWeight(w, wc));
        BackwardFunction backward = (gy, needs) =>
            [needs[0] ? InputGrad(gy, w, g) : null, needs[1] ? WeightGrad(gy, x, g) : null, needs.Length > 2 && needs[2] ? gy.Sum([0, 2, 3]) : null];
        return bias is null ? Graph.Record("ConvolutionBackward", y, backward, x, w) : Graph.Record("ConvolutionBackward", y, backward, x, w, bias);
    }

    /// <summary>
    /// The key under which the kernel may keep a transformed copy of the weight: only when no gradient is recorded
    /// for it (inference, a frozen layer), where the same weight is used call after call and training does not
    /// change it between them, and only for the weight's own storage (a contiguous copy is new on every call).
    /// </summary>
    static ConvWeightKey? CacheableWeight(Tensor w, Tensor wc) =>
        ReferenceEquals(w, wc) && !(GradMode.IsEnabled && w.RequiresGrad) ? new ConvWeightKey(w.Storage, w.Offset, w.Version) : null;

    /// <summary>dL/dx from dL/dy: [N, C, H, W]. Also the forward of a transposed convolution.</summary>
    public static Tensor InputGrad(Tensor gy, Tensor w, Conv2dGeometry g)
    {
        var gyc = gy.Contiguous();
        var wc = w.Contiguous();
        var gx = Tensor.Empty([g.Batch, g.InChannels, g.InHeight, g.InWidth]);
        Conv2d.BackwardInput(g, gyc.AsSpan(), wc.AsSpan(), gx.MutableSpan());
        return Graph.Record("ConvolutionBackwardInput", gx, (ggx, needs) =>
            [needs[0] ? Forward(ggx, w, g) : null, needs[1] ? WeightGrad(gy, ggx, g) : null], gy, w);
    }

    /// <summary>dL/dw from dL/dy and the input x: [O, C/groups, kH, kW].</summary>
    public static Tensor WeightGrad(Tensor gy, Tensor x, Conv2dGeometry g)
    {
        var gyc = gy.Contiguous();
        var xc = x.Contiguous();
        var gw = Tensor.Empty([g.OutChannels, g.InChannelsPerGroup, g.KernelHeight, g.KernelWidth]);
        Conv2d.BackwardWeight(g, gyc.AsSpan(), xc.AsSpan(), gw.MutableSpan());
        return Graph.Record("ConvolutionBackwardWeight", gw, (ggw, needs) =>
            [needs[0] ? Forward(x, ggw, g) : null, needs[1] ? InputGrad(gy, ggw, g) : null], gy, x);
    }
}
