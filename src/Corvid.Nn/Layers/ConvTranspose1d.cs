using Corvid.Tensors;

namespace Corvid.Nn;

/// <summary>
/// Transposed 1-D convolution (the upsampler of decoders) over x [N, C_in, L]; weight [C_in, C_out/groups, k],
/// as <c>torch.nn.ConvTranspose1d</c>. L_out = (L − 1)·stride − 2·padding + dilation·(k − 1) + output_padding + 1.
/// </summary>
public sealed class ConvTranspose1d : Module<Tensor, Tensor>
{
    public int InChannels { get; }
    public int OutChannels { get; }
    public int KernelSize { get; }
    public int Stride { get; }
    public int Padding { get; }
    public int OutputPadding { get; }
    public int Groups { get; }
    public int Dilation { get; }

    public ConvTranspose1d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int outputPadding = 0,
        int groups = 1, bool bias = true, int dilation = 1, Generator? generator = null)
    {
        ConvOptions.Check(nameof(ConvTranspose1d), inChannels, outChannels, groups, [kernelSize], [stride], [padding], [dilation]);
        if (outputPadding < 0 || outputPadding >= Math.Max(stride, dilation))
            throw new ArgumentException($"ConvTranspose1d: output_padding {outputPadding} must be non-negative and smaller than stride {stride} or dilation {dilation}");
        (InChannels, OutChannels, KernelSize, Stride, Padding, OutputPadding, Groups, Dilation) =
            (inChannels, outChannels, kernelSize, stride, padding, outputPadding, groups, dilation);
        var w = RegisterParameter("weight", Tensor.Zeros(inChannels, outChannels / groups, kernelSize));
        RegisterParameter("bias", bias ? Tensor.Zeros(outChannels) : null, allowNull: true);
        // PyTorch computes fan-in from this weight's dim 1 (C_out/groups · k), and so does Init.Fans.
        Init.DefaultLayer(w, OptionalParameter("bias"), generator);
    }

    public Tensor Weight => Parameter("weight");
    public Tensor? Bias => OptionalParameter("bias");

    public override Tensor Forward(Tensor input)
    {
        var x = ConvOptions.Batched(this, input, Weight, 1, InChannels, out bool unbatched);
        var y = F.ConvTranspose1d(x, Weight, Bias, Stride, Padding, OutputPadding, Groups, Dilation); // [N, C_out, L_out]
        return unbatched ? y.Squeeze(0) : y;
    }

    protected override string ExtraRepr() =>
        ConvOptions.Describe(InChannels, OutChannels, [KernelSize], [Stride], [Padding], [Dilation], [OutputPadding], Groups, Bias is not null);
}
