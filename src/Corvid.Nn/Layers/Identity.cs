using Corvid.Tensors;

namespace Corvid.Nn;

/// <summary>Returns its input: a placeholder where an architecture optionally has a layer.</summary>
public sealed class Identity : Module<Tensor, Tensor>
{
    public override Tensor Forward(Tensor input) => input;
}
