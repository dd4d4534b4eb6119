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
    /// <summary>y = conv(x, w): x [N, C, H, W], w [O, C/groups, kH, kW].</summary>
    public static Tensor Forward(Tensor x, Tensor w, Conv2dGeometry g)
    {
        var xc = x.Contiguous();
        var wc = w.Contiguous();
        var y = Tensor.Empty([g.Batch, g.OutChannels, g.OutHeight, g.OutWidth]);
        Conv2d.Forward(g, xc.AsSpan(), wc.AsSpan(), ReadOnlySpan<float>.Empty, y.MutableSpan());
        return Graph.Record("ConvolutionBackward", y, (gy, needs) =>
            [needs[0] ? InputGrad(gy, w, g) : null, needs[1] ? WeightGrad(gy, x, g) : null], x, w);
    }

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
