using Corvid.Tensors;

namespace Corvid.Nn;

/// <summary>Transposed 2-D convolution over x [N, C_in, H, W]; weight [C_in, C_out/groups, kH, kW], as <c>torch.nn.ConvTranspose2d</c>.</summary>
public sealed class ConvTranspose2d : Module<Tensor, Tensor>
{
    public int InChannels { get; }
    public int OutChannels { get; }
    public (int H, int W) KernelSize { get; }
    public (int H, int W) Stride { get; }
    public (int H, int W) Padding { get; }
    public (int H, int W) OutputPadding { get; }
    public int Groups { get; }
    public (int H, int W) Dilation { get; }

    public ConvTranspose2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int outputPadding = 0,
        int groups = 1, bool bias = true, int dilation = 1, Generator? generator = null)
        : this(inChannels, outChannels, (kernelSize, kernelSize), (stride, stride), (padding, padding), (outputPadding, outputPadding),
            groups, bias, (dilation, dilation), generator)
    {
    }

    public ConvTranspose2d(int inChannels, int outChannels, (int H, int W) kernelSize, (int H, int W)? stride = null, (int H, int W)? padding = null,
        (int H, int W)? outputPadding = null, int groups = 1, bool bias = true, (int H, int W)? dilation = null, Generator? generator = null)
    {
        KernelSize = kernelSize;
        Stride = stride ?? (1, 1);
        Padding = padding ?? (0, 0);
        OutputPadding = outputPadding ?? (0, 0);
        Dilation = dilation ?? (1, 1);
        ConvOptions.Check(nameof(ConvTranspose2d), inChannels, outChannels, groups, Conv2d.Pair(KernelSize), Conv2d.Pair(Stride), Conv2d.Pair(Padding), Conv2d.Pair(Dilation));
        if (OutputPadding.H < 0 || OutputPadding.W < 0 || OutputPadding.H >= Math.Max(Stride.H, Dilation.H) || OutputPadding.W >= Math.Max(Stride.W, Dilation.W))
            throw new ArgumentException($"ConvTranspose2d: output_padding {ConvOptions.Tuple(Conv2d.Pair(OutputPadding))} must be non-negative and smaller than stride {ConvOptions.Tuple(Conv2d.Pair(Stride))} or dilation {ConvOptions.Tuple(Conv2d.Pair(Dilation))}");
        (InChannels, OutChannels, Groups) = (inChannels, outChannels, groups);
        var w = RegisterParameter("weight", Tensor.Zeros(inChannels, outChannels / groups, kernelSize.H, kernelSize.W));
        RegisterParameter("bias", bias ? Tensor.Zeros(outChannels) : null, allowNull: true);
        Init.DefaultLayer(w, OptionalParameter("bias"), generator);
    }

    public Tensor Weight => Parameter("weight");
    public Tensor? Bias => OptionalParameter("bias");

    public override Tensor Forward(Tensor input)
    {
        var x = ConvOptions.Batched(this, input, Weight, 2, InChannels, out bool unbatched);
        var y = F.ConvTranspose2d(x, Weight, Bias, Stride, Padding, OutputPadding, Groups, Dilation); // [N, C_out, H_out, W_out]
        return unbatched ? y.Squeeze(0) : y;
    }

    protected override string ExtraRepr() =>
        ConvOptions.Describe(InChannels, OutChannels, Conv2d.Pair(KernelSize), Conv2d.Pair(Stride), Conv2d.Pair(Padding), Conv2d.Pair(Dilation),
            Conv2d.Pair(OutputPadding), Groups, Bias is not null);
}
