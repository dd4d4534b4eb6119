using Corvid.Tensors;

namespace Corvid.Nn;

/// <summary>2-D max pooling of x [N, C, H, W]; the stride defaults to the kernel size, as <c>torch.nn.MaxPool2d</c>.</summary>
public sealed class MaxPool2d : Module<Tensor, Tensor>
{
    public (int H, int W) KernelSize { get; }
    public (int H, int W) Stride { get; }
    public (int H, int W) Padding { get; }
    public (int H, int W) Dilation { get; }
    public bool CeilMode { get; }

    public MaxPool2d(int kernelSize, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false)
        : this((kernelSize, kernelSize), stride is { } s ? (s, s) : null, (padding, padding), (dilation, dilation), ceilMode)
    {
    }

    public MaxPool2d((int H, int W) kernelSize, (int H, int W)? stride = null, (int H, int W)? padding = null, (int H, int W)? dilation = null, bool ceilMode = false)
    {
        KernelSize = kernelSize;
        Stride = stride ?? kernelSize;
        Padding = padding ?? (0, 0);
        Dilation = dilation ?? (1, 1);
        CeilMode = ceilMode;
        if (KernelSize.H <= 0 || KernelSize.W <= 0 || Stride.H <= 0 || Stride.W <= 0)
            throw new ArgumentException($"MaxPool2d: kernel size {KernelSize} and stride {Stride} must be positive");
    }

    public override Tensor Forward(Tensor input)
    {
        if (input.Rank != 4) throw new ArgumentException($"{this}: expected input [N, C, H, W], got shape {ShapeMath.Format(input.Shape)}");
        return F.MaxPool2d(input, KernelSize, Stride, Padding, Dilation, CeilMode);
    }

    protected override string ExtraRepr() =>
        $"kernel_size={ConvOptions.Tuple(Conv2d.Pair(KernelSize))}, stride={ConvOptions.Tuple(Conv2d.Pair(Stride))}, padding={ConvOptions.Tuple(Conv2d.Pair(Padding))}, dilation={ConvOptions.Tuple(Conv2d.Pair(Dilation))}, ceil_mode={(CeilMode ? "True" : "False")}";
}
