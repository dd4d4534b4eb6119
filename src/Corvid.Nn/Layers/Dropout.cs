using Corvid.Tensors;

namespace Corvid.Nn;

/// <summary>
/// In training mode zeroes each element with probability <see cref="P"/> and scales the rest by 1/(1−p);
/// in eval mode passes the input through, as <c>torch.nn.Dropout</c>.
/// </summary>
public sealed class Dropout : Module<Tensor, Tensor>
{
    private readonly Generator? _generator;

    public float P { get; }

    public Dropout(float p = 0.5f, Generator? generator = null)
    {
        if (p < 0 || p > 1) throw new ArgumentException($"Dropout: probability must be in [0, 1], got {p}");
        P = p;
        _generator = generator;
    }

    public override Tensor Forward(Tensor input) => F.Dropout(input, P, Training, _generator);

    protected override string ExtraRepr() => $"p={P:G}";
}
