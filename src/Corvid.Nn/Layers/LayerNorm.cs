using Corvid.Tensors;

namespace Corvid.Nn;

/// <summary>Normalises over the trailing <see cref="NormalizedShape"/> dims, then scales and shifts elementwise, as <c>torch.nn.LayerNorm</c>.</summary>
public sealed class LayerNorm : Module<Tensor, Tensor>
{
    private readonly int[] _normalizedShape;

    public ReadOnlySpan<int> NormalizedShape => _normalizedShape;
    public float Eps { get; }
    public bool ElementwiseAffine { get; }

    public LayerNorm(int normalizedShape, float eps = 1e-5f, bool elementwiseAffine = true)
        : this([normalizedShape], eps, elementwiseAffine)
    {
    }

    public LayerNorm(int[] normalizedShape, float eps = 1e-5f, bool elementwiseAffine = true)
    {
        if (normalizedShape.Length == 0 || normalizedShape.Any(d => d <= 0))
            throw new ArgumentException($"LayerNorm: normalized_shape must be non-empty with positive sizes, got {ShapeMath.Format(normalizedShape)}");
        _normalizedShape = normalizedShape.ToArray();
        Eps = eps;
        ElementwiseAffine = elementwiseAffine;
        if (elementwiseAffine)
        {
            RegisterParameter("weight", Tensor.Ones(_normalizedShape));
            RegisterParameter("bias", Tensor.Zeros(_normalizedShape));
        }
    }

    public Tensor? Weight => OptionalParameter("weight");
    public Tensor? Bias => OptionalParameter("bias");

    public override Tensor Forward(Tensor input)
    {
        int k = _normalizedShape.Length;
        if (input.Rank < k || !input.Shape[(input.Rank - k)..].SequenceEqual(_normalizedShape))
            throw new ArgumentException($"{this}: input shape {ShapeMath.Format(input.Shape)} does not end in the normalized shape {ShapeMath.Format(_normalizedShape)}");
        return F.LayerNorm(input, _normalizedShape, Weight, Bias, Eps);
    }

    protected override string ExtraRepr() =>
        $"{ConvOptions.Tuple(_normalizedShape)}, eps={Eps:G}, elementwise_affine={(ElementwiseAffine ? "True" : "False")}";
}
