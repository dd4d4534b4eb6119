using Corvid.Nn;
using Corvid.Tensors;
using Corvid.Tensors.Autograd;

namespace Corvid.Vision;

/// <summary>
/// A convolution and the batch norm after it, run as one convolution with the batch norm folded into its
/// weight and bias (<see cref="F.FuseConvBnWeights"/>) whenever that computes the same thing: both modules
/// in eval mode and no gradient to record for their parameters. This is what ONNX Runtime's graph optimiser
/// does to the same network; it saves a whole pass over every activation.
/// </summary>
/// <remarks>
/// The folded tensors are cached and rebuilt when any source tensor is replaced or written in place
/// (its <see cref="Tensor.Version"/> moves: loading a state dict, an optimizer step), so the fold never
/// runs stale weights.
/// </remarks>
internal sealed class ConvBnFold(Conv2d conv, BatchNorm2d bn)
{
    // One reference, replaced whole, so concurrent forwards never see a weight from one fold and a bias from another.
    private Fold? _fold;

    private sealed record Fold(Tensor Weight, Tensor Bias, Tensor[] Sources, int[] Versions)
    {
        public bool Matches(Tensor[] sources) =>
            sources.Length == Sources.Length && sources.Select((t, i) => ReferenceEquals(t, Sources[i]) && t.Version == Versions[i]).All(same => same);
    }

    /// <summary>Whether <see cref="Forward"/> runs the folded convolution.</summary>
    public bool Folds =>
        !conv.Training && !bn.Training && bn.RunningMean is not null
        && !(GradMode.IsEnabled && Sources().Any(t => t.RequiresGrad));

    /// <summary>bn(conv(x)).</summary>
    public Tensor Forward(Tensor x)
    {
        if (!Folds)
        {
            _fold = null; // a training step may follow: refold from scratch next time
            return bn.Forward(conv.Forward(x));
        }
        var (weight, bias) = Folded();
        return F.Conv2d(x, weight, bias, conv.Stride, conv.Padding, conv.Dilation, conv.Groups);
    }

    private (Tensor Weight, Tensor Bias) Folded()
    {
        var sources = Sources().ToArray();
        var fold = _fold;
        if (fold is null || !fold.Matches(sources))
        {
            var (weight, bias) = F.FuseConvBnWeights(conv.Weight, conv.Bias, bn.RunningMean!, bn.RunningVar!, bn.Weight, bn.Bias, bn.Eps);
            _fold = fold = new Fold(weight, bias, sources, sources.Select(t => t.Version).ToArray());
        }
        return (fold.Weight, fold.Bias);
    }

    private IEnumerable<Tensor> Sources()
    {
        yield return conv.Weight;
        if (conv.Bias is { } convBias) yield return convBias;
        if (bn.Weight is { } weight) yield return weight;
        if (bn.Bias is { } bias) yield return bias;
        if (bn.RunningMean is { } mean) yield return mean;
        if (bn.RunningVar is { } variance) yield return variance;
    }

    /// <summary>relu(y), in place when nothing records a gradient through y (y is then a fresh convolution output).</summary>
    public static Tensor Relu(Tensor y) => InPlaceAllowed(y) ? F.Relu_(y) : y.Relu();

    /// <summary>relu(y + identity), written into y when nothing records a gradient through either.</summary>
    public static Tensor AddRelu(Tensor y, Tensor identity) =>
        InPlaceAllowed(y) && !(GradMode.IsEnabled && identity.RequiresGrad) ? F.AddRelu_(y, identity) : F.AddRelu(y, identity);

    private static bool InPlaceAllowed(Tensor y) => y.IsContiguous && !(GradMode.IsEnabled && y.RequiresGrad);
}
