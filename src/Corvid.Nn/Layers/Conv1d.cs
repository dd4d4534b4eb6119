using Corvid.Tensors;

namespace Corvid.Nn;

/// <summary>1-D convolution over x [N, C_in, L] (or unbatched [C_in, L]); weight [C_out, C_in/groups, k], as <c>torch.nn.Conv1d</c>.</summary>
public sealed class Conv1d : Module<Tensor, Tensor>
{
    public int InChannels { get; }
    public int OutChannels { get; }
    public int KernelSize { get; }
    public int Stride { get; }
    public int Padding { get; }
    public int Dilation { get; }
    public int Groups { get; }

    public Conv1d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int dilation = 1,
        int groups = 1, bool bias = true, Generator? generator = null)
    {
        ConvOptions.Check(nameof(Conv1d), inChannels, outChannels, groups, [kernelSize], [stride], [padding], [dilation]);
        (InChannels, OutChannels, KernelSize, Stride, Padding, Dilation, Groups) = (inChannels, outChannels, kernelSize, stride, padding, dilation, groups);
        var w = RegisterParameter("weight", Tensor.Zeros(outChannels, inChannels / groups, kernelSize));
        RegisterParameter("bias", bias ? Tensor.Zeros(outChannels) : null, allowNull: true);
        Init.DefaultLayer(w, OptionalParameter("bias"), generator);
    }

    public Tensor Weight => Parameter("weight");
    public Tensor? Bias => OptionalParameter("bias");

    public override Tensor Forward(Tensor input)
    {
        var x = ConvOptions.Batched(this, input, Weight, 1, InChannels, out bool unbatched);
        var y = F.Conv1d(x, Weight, Bias, Stride, Padding, Dilation, Groups); // [N, C_out, L_out]
        return unbatched ? y.Squeeze(0) : y;
    }

    protected override string ExtraRepr() =>
        ConvOptions.Describe(InChannels, OutChannels, [KernelSize], [Stride], [Padding], [Dilation], [0], Groups, Bias is not null);
}
