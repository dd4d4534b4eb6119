using Corvid.Tensors;

namespace Corvid.Nn;

/// <summary>
/// 2-D average pooling of x [N, C, H, W]; the stride defaults to the kernel size, as <c>torch.nn.AvgPool2d</c>
/// (without ceil_mode and divisor_override, which the functional op does not offer).
/// </summary>
public sealed class AvgPool2d : Module<Tensor, Tensor>
{
    public (int H, int W) KernelSize { get; }
    public (int H, int W) Stride { get; }
    public (int H, int W) Padding { get; }
    public bool CountIncludePad { get; }

    public AvgPool2d(int kernelSize, int? stride = null, int padding = 0, bool countIncludePad = true)
        : this((kernelSize, kernelSize), stride is { } s ? (s, s) : null, (padding, padding), countIncludePad)
    {
    }

    public AvgPool2d((int H, int W) kernelSize, (int H, int W)? stride = null, (int H, int W)? padding = null, bool countIncludePad = true)
    {
        KernelSize = kernelSize;
        Stride = stride ?? kernelSize;
        Padding = padding ?? (0, 0);
        CountIncludePad = countIncludePad;
        if (KernelSize.H <= 0 || KernelSize.W <= 0 || Stride.H <= 0 || Stride.W <= 0)
            throw new ArgumentException($"AvgPool2d: kernel size {KernelSize} and stride {Stride} must be positive");
    }

    public override Tensor Forward(Tensor input)
    {
        if (input.Rank != 4) throw new ArgumentException($"{this}: expected input [N, C, H, W], got shape {ShapeMath.Format(input.Shape)}");
        return F.AvgPool2d(input, KernelSize, Stride, Padding, CountIncludePad);
    }

    protected override string ExtraRepr() =>
        $"kernel_size={ConvOptions.Tuple(Conv2d.Pair(KernelSize))}, stride={ConvOptions.Tuple(Conv2d.Pair(Stride))}, padding={ConvOptions.Tuple(Conv2d.Pair(Padding))}";
}
