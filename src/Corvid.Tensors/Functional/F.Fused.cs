using Corvid.Tensors.Autograd;
using Corvid.Tensors.Kernels;

namespace Corvid.Tensors;

/// <summary>Fused ops for the inference path: fewer passes over memory than the ops they stand for.</summary>
public static partial class F
{
    /// <summary>relu(a + b) in one pass (a ResNet block's residual add and ReLU); a and b have the same shape. Differentiable.</summary>
    public static Tensor AddRelu(Tensor a, Tensor b)
    {
        CheckFusedOperands("add_relu", a, b);
        var ac = a.Contiguous();
        var bc = b.Contiguous();
        var y = Tensor.Empty(a.shape);
        if (y.Numel > 0)
        {
            unsafe
            {
                fixed (float* ap = &ac.F[ac.Offset], bp = &bc.F[bc.Offset], yp = y.F)
                    AddReluKernel.Apply(ap, bp, yp, y.Numel);
            }
        }
        return Graph.Record("AddReluBackward", y, (g, needs) =>
        {
            // Where the output is positive the gradient passes to both addends, elsewhere to neither.
            var passed = g * ElementwiseKernels.Unary<PositiveOp>(y.Detach(), "add_relu_backward");
            return [needs[0] ? passed : null, needs[1] ? passed : null];
        }, a, b);
    }

    /// <summary>
    /// a = relu(a + b), in place, for inference: a must be contiguous, and no gradient may be recorded
    /// through a or b (as for any in-place op on a tensor autograd needs). Returns a.
    /// </summary>
    public static Tensor AddRelu_(Tensor a, Tensor b)
    {
        CheckFusedOperands("add_relu_", a, b);
        CheckInPlace("add_relu_", a, b);
        var bc = b.Contiguous();
        if (a.Numel > 0)
        {
            unsafe
            {
                fixed (float* ap = &a.F[a.Offset], bp = &bc.F[bc.Offset])
                    AddReluKernel.Apply(ap, bp, ap, a.Numel);
            }
        }
        a.Storage.Version++;
        return a;
    }

    /// <summary>x = relu(x), in place, for inference (as <c>torch.relu_</c>); x must be contiguous and record no gradient. Returns x.</summary>
    public static Tensor Relu_(Tensor x)
    {
        CheckInPlace("relu_", x, null);
        if (x.Numel > 0)
        {
            unsafe
            {
                fixed (float* xp = &x.F[x.Offset])
                    AddReluKernel.Apply(xp, null, xp, x.Numel);
            }
        }
        x.Storage.Version++;
        return x;
    }

    /// <summary>
    /// Folds an eval-mode batch norm into the convolution before it, as <c>torch.nn.utils.fuse_conv_bn_weights</c>
    /// and ONNX Runtime's graph optimiser do: with s = bnWeight / sqrt(runningVar + eps), the convolution with
    /// weight W·s[o] and bias (convBias − runningMean)·s + bnBias computes bn(conv(x)). The results are new
    /// tensors that record no gradient (an inference-time transform).
    /// </summary>
    public static (Tensor Weight, Tensor Bias) FuseConvBnWeights(Tensor convWeight, Tensor? convBias, Tensor runningMean, Tensor runningVar,
        Tensor? bnWeight, Tensor? bnBias, float eps = 1e-5f)
    {
        if (convWeight.Rank < 2)
            throw new ArgumentException($"fuse_conv_bn_weights: expected a convolution weight [C_out, C_in/groups, …], got shape {ShapeMath.Format(convWeight.shape)}");
        int outChannels = convWeight.shape[0];
        foreach (var (name, t) in new[] { ("conv bias", convBias), ("running_mean", runningMean), ("running_var", runningVar), ("bn weight", bnWeight), ("bn bias", bnBias) })
        {
            if (t is not null && t.Numel != outChannels)
                throw new ArgumentException($"fuse_conv_bn_weights: {name} has {t.Numel} values (shape {ShapeMath.Format(t.shape)}), the convolution has {outChannels} output channels");
        }
        var mean = runningMean.ToArray();
        var variance = runningVar.ToArray();
        var gamma = bnWeight?.ToArray();
        var beta = bnBias?.ToArray();
        var convB = convBias?.ToArray();
        var scales = new float[outChannels];
        var biases = new float[outChannels];
        for (int o = 0; o < outChannels; o++)
        {
            float s = 1f / MathF.Sqrt(variance[o] + eps);
            if (gamma is not null) s *= gamma[o];
            scales[o] = s;
            biases[o] = ((convB is null ? 0f : convB[o]) - mean[o]) * s + (beta is null ? 0f : beta[o]);
        }
        using (GradMode.NoGrad())
        {
            // The weight viewed as [1, C_out, rest]: a per-channel scale with no shift.
            var w = convWeight.Detach().Reshape(1, outChannels, -1);
            var folded = ChannelAffine(w, Tensor.FromArray(scales), null).Reshape(convWeight.shape.ToArray());
            return (folded, Tensor.FromArray(biases));
        }
    }

    private static void CheckFusedOperands(string op, Tensor a, Tensor b)
    {
        a.RequireDType(DType.Float32, op);
        b.RequireDType(DType.Float32, op);
        if (!ShapeMath.SameShape(a.shape, b.shape))
            throw new ArgumentException($"{op}: the operands must have the same shape, got {ShapeMath.Format(a.shape)} and {ShapeMath.Format(b.shape)}");
    }

    private static void CheckInPlace(string op, Tensor target, Tensor? other)
    {
        target.RequireDType(DType.Float32, op);
        if (!target.IsContiguous)
            throw new ArgumentException($"{op}: the tensor written in place must be contiguous (shape {ShapeMath.Format(target.shape)}, strides {ShapeMath.Format(target.strides)})");
        if (GradMode.IsEnabled && (target.RequiresGrad || other is { RequiresGrad: true }))
            throw new InvalidOperationException($"{op}: an in-place op on a tensor that records gradients would make them wrong; use the out-of-place op, or run under GradMode.NoGrad()");
    }
}
