namespace Corvid.Tensors.Kernels;

/// <summary>
/// Shape of one 2-D convolution in NCHW layout: input <c>[Batch, InChannels, InHeight, InWidth]</c>,
/// weight <c>[OutChannels, InChannels / Groups, KernelHeight, KernelWidth]</c>, output
/// <c>[Batch, OutChannels, OutHeight, OutWidth]</c>. A 1-D convolution is the case
/// <c>InHeight = KernelHeight = 1</c>.
/// </summary>
public readonly record struct Conv2dGeometry(
    int Batch, int InChannels, int InHeight, int InWidth, int OutChannels,
    int KernelHeight, int KernelWidth, int StrideH, int StrideW, int PadH, int PadW,
    int DilationH, int DilationW, int Groups)
{
    /// <summary>PyTorch's formula: <c>(H + 2·pad − dilation·(K − 1) − 1) / stride + 1</c>, rounded down.</summary>
    public int OutHeight => OutSize(InHeight, KernelHeight, StrideH, PadH, DilationH);

    public int OutWidth => OutSize(InWidth, KernelWidth, StrideW, PadW, DilationW);

    public int InChannelsPerGroup => InChannels / Groups;

    public int OutChannelsPerGroup => OutChannels / Groups;

    /// <summary>Length of one im2col column: the inputs one output element of a group reads.</summary>
    public int PatchLength => InChannelsPerGroup * KernelHeight * KernelWidth;

    public long InputLength => (long)Batch * InChannels * InHeight * InWidth;

    public long WeightLength => (long)OutChannels * PatchLength;

    public long OutputLength => (long)Batch * OutChannels * OutHeight * OutWidth;

    /// <summary>True when every output channel reads exactly one input channel (ConvNeXt's 7x7).</summary>
    public bool IsDepthwise => InChannelsPerGroup == 1;

    static int OutSize(int size, int kernel, int stride, int pad, int dilation) =>
        stride <= 0 ? 0 : (int)Math.Floor((size + 2.0 * pad - dilation * (kernel - 1.0) - 1.0) / stride) + 1;

    /// <summary>Throws an <see cref="ArgumentException"/> that names the first inconsistent field and its value.</summary>
    public void Validate()
    {
        Positive(nameof(InChannels), InChannels);
        Positive(nameof(InHeight), InHeight);
        Positive(nameof(InWidth), InWidth);
        Positive(nameof(OutChannels), OutChannels);
        Positive(nameof(KernelHeight), KernelHeight);
        Positive(nameof(KernelWidth), KernelWidth);
        Positive(nameof(StrideH), StrideH);
        Positive(nameof(StrideW), StrideW);
        Positive(nameof(DilationH), DilationH);
        Positive(nameof(DilationW), DilationW);
        Positive(nameof(Groups), Groups);
        if (Batch < 0) throw new ArgumentException($"conv2d: Batch must be non-negative, got {Batch}");
        if (PadH < 0 || PadW < 0) throw new ArgumentException($"conv2d: padding must be non-negative, got ({PadH}, {PadW})");
        if (InChannels % Groups != 0)
            throw new ArgumentException($"conv2d: InChannels {InChannels} is not divisible by Groups {Groups}");
        if (OutChannels % Groups != 0)
            throw new ArgumentException($"conv2d: OutChannels {OutChannels} is not divisible by Groups {Groups}");
        if (OutHeight <= 0 || OutWidth <= 0)
            throw new ArgumentException(
                $"conv2d: input {InHeight}x{InWidth} with padding ({PadH}, {PadW}) is smaller than the dilated kernel " +
                $"{DilationH * (KernelHeight - 1) + 1}x{DilationW * (KernelWidth - 1) + 1}; output would be {OutHeight}x{OutWidth}");
        if ((long)OutHeight * OutWidth > int.MaxValue || (long)InHeight * InWidth > int.MaxValue || (long)PatchLength * OutHeight * OutWidth > int.MaxValue)
            throw new ArgumentException($"conv2d: spatial size {InHeight}x{InWidth} is too large for one image");
    }

    static void Positive(string name, int value)
    {
        if (value <= 0) throw new ArgumentException($"conv2d: {name} must be positive, got {value}");
    }

    /// <summary>Checks that a span holds exactly the elements of <paramref name="tensor"/>; the message (built only on failure) names its shape.</summary>
    internal void CheckLength(string role, int actual, Conv2dTensor tensor)
    {
        long expected = tensor switch
        {
            Conv2dTensor.Input => InputLength,
            Conv2dTensor.Weight => WeightLength,
            Conv2dTensor.Output => OutputLength,
            _ => OutChannels,
        };
        if (actual != expected)
            throw new ArgumentException($"conv2d: {role} has {actual} elements, expected {expected} for shape {Shape(tensor)}");
    }

    string Shape(Conv2dTensor tensor) => tensor switch
    {
        Conv2dTensor.Input => $"[{Batch}, {InChannels}, {InHeight}, {InWidth}]",
        Conv2dTensor.Weight => $"[{OutChannels}, {InChannelsPerGroup}, {KernelHeight}, {KernelWidth}]",
        Conv2dTensor.Output => $"[{Batch}, {OutChannels}, {OutHeight}, {OutWidth}]",
        _ => $"[{OutChannels}]",
    };
}

/// <summary>The tensors of a convolution, for length checks.</summary>
internal enum Conv2dTensor { Input, Weight, Output, Bias }
