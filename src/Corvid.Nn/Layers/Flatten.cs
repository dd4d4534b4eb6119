using Corvid.Tensors;

namespace Corvid.Nn;

/// <summary>Merges dims <see cref="StartDim"/>..<see cref="EndDim"/> into one (by default all but the batch dim), as <c>torch.nn.Flatten</c>.</summary>
public sealed class Flatten(int startDim = 1, int endDim = -1) : Module<Tensor, Tensor>
{
    public int StartDim { get; } = startDim;
    public int EndDim { get; } = endDim;

    public override Tensor Forward(Tensor input) => input.Flatten(StartDim, EndDim);

    protected override string ExtraRepr() => $"start_dim={StartDim}, end_dim={EndDim}";
}
