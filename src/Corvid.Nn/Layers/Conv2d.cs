using Corvid.Tensors;

namespace Corvid.Nn;

/// <summary>2-D convolution over x [N, C_in, H, W] (or unbatched [C_in, H, W]); weight [C_out, C_in/groups, kH, kW], as <c>torch.nn.Conv2d</c>.</summary>
public sealed class Conv2d : Module<Tensor, Tensor>
{
    public int InChannels { get; }
    public int OutChannels { get; }
    public (int H, int W) KernelSize { get; }
    public (int H, int W) Stride { get; }
    public (int H, int W) Padding { get; }
    public (int H, int W) Dilation { get; }
    public int Groups { get; }

    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int dilation = 1,
        int groups = 1, bool bias = true, Generator? generator = null)
        : this(inChannels, outChannels, (kernelSize, kernelSize), (stride, stride), (padding, padding), (dilation, dilation), groups, bias, generator)
    {
    }

    public Conv2d(int inChannels, int outChannels, (int H, int W) kernelSize, (int H, int W)? stride = null, (int H, int W)? padding = null,
        (int H, int W)? dilation = null, int groups = 1, bool bias = true, Generator? generator = null)
    {
        KernelSize = kernelSize;
        Stride = stride ?? (1, 1);
        Padding = padding ?? (0, 0);
        Dilation = dilation ?? (1, 1);
        ConvOptions.Check(nameof(Conv2d), inChannels, outChannels, groups, Pair(KernelSize), Pair(Stride), Pair(Padding), Pair(Dilation));
        (InChannels, OutChannels, Groups) = (inChannels, outChannels, groups);
        var w = RegisterParameter("weight", Tensor.Zeros(outChannels, inChannels / groups, kernelSize.H, kernelSize.W));
        RegisterParameter("bias", bias ? Tensor.Zeros(outChannels) : null, allowNull: true);
        Init.DefaultLayer(w, OptionalParameter("bias"), generator);
    }

    public Tensor Weight => Parameter("weight");
    public Tensor? Bias => OptionalParameter("bias");

    public override Tensor Forward(Tensor input)
    {
        var x = ConvOptions.Batched(this, input, Weight, 2, InChannels, out bool unbatched);
        var y = F.Conv2d(x, Weight, Bias, Stride, Padding, Dilation, Groups); // [N, C_out, H_out, W_out]
        return unbatched ? y.Squeeze(0) : y;
    }

    internal static int[] Pair((int H, int W) p) => [p.H, p.W];

    protected override string ExtraRepr() =>
        ConvOptions.Describe(InChannels, OutChannels, Pair(KernelSize), Pair(Stride), Pair(Padding), Pair(Dilation), [0, 0], Groups, Bias is not null);
}
