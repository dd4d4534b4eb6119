using Corvid.Tensors;

namespace Corvid.Nn;

/// <summary>Average pooling of x [N, C, H, W] to a fixed output size whatever the input size, as <c>torch.nn.AdaptiveAvgPool2d</c>.</summary>
public sealed class AdaptiveAvgPool2d : Module<Tensor, Tensor>
{
    public (int H, int W) OutputSize { get; }

    public AdaptiveAvgPool2d(int outputSize) : this((outputSize, outputSize))
    {
    }

    public AdaptiveAvgPool2d((int H, int W) outputSize)
    {
        if (outputSize.H <= 0 || outputSize.W <= 0) throw new ArgumentException($"AdaptiveAvgPool2d: output size {outputSize} must be positive");
        OutputSize = outputSize;
    }

    public override Tensor Forward(Tensor input)
    {
        if (input.Rank != 4) throw new ArgumentException($"{this}: expected input [N, C, H, W], got shape {ShapeMath.Format(input.Shape)}");
        return F.AdaptiveAvgPool2d(input, OutputSize);
    }

    protected override string ExtraRepr() => $"output_size={ConvOptions.Tuple(Conv2d.Pair(OutputSize))}";
}
