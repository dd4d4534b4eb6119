using Corvid.Tensors;

namespace Corvid.Nn;

/// <summary>Normalises x [N, C, …] within each of <see cref="NumGroups"/> channel groups, then scales per channel, as <c>torch.nn.GroupNorm</c>.</summary>
public sealed class GroupNorm : Module<Tensor, Tensor>
{
    public int NumGroups { get; }
    public int NumChannels { get; }
    public float Eps { get; }
    public bool Affine { get; }

    public GroupNorm(int numGroups, int numChannels, float eps = 1e-5f, bool affine = true)
    {
        if (numGroups <= 0 || numChannels <= 0 || numChannels % numGroups != 0)
            throw new ArgumentException($"GroupNorm: num_channels {numChannels} must be divisible by num_groups {numGroups} (both positive)");
        (NumGroups, NumChannels, Eps, Affine) = (numGroups, numChannels, eps, affine);
        if (affine)
        {
            RegisterParameter("weight", Tensor.Ones(numChannels));
            RegisterParameter("bias", Tensor.Zeros(numChannels));
        }
    }

    public Tensor? Weight => OptionalParameter("weight");
    public Tensor? Bias => OptionalParameter("bias");

    public override Tensor Forward(Tensor input)
    {
        if (input.Rank < 2 || input.Shape[1] != NumChannels)
            throw new ArgumentException($"{this}: expected input [N, {NumChannels}, …], got shape {ShapeMath.Format(input.Shape)}");
        return F.GroupNorm(input, NumGroups, Weight, Bias, Eps);
    }

    protected override string ExtraRepr() => $"{NumGroups}, {NumChannels}, eps={Eps:G}, affine={(Affine ? "True" : "False")}";
}
