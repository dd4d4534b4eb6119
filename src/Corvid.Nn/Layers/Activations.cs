using Corvid.Tensors;

namespace Corvid.Nn;

// Activation functions as modules, named as in torch.nn so a PyTorch model reads the same.
// Each is one line over the functional op, so they share this file.

public sealed class ReLU : Module<Tensor, Tensor>
{
    public override Tensor Forward(Tensor input) => F.Relu(input);
}

/// <summary>GELU, exact (<c>approximate: "none"</c>) or with the tanh approximation (<c>"tanh"</c>).</summary>
public sealed class GELU : Module<Tensor, Tensor>
{
    public string Approximate { get; }

    public GELU(string approximate = "none")
    {
        if (approximate is not ("none" or "tanh"))
            throw new ArgumentException($"GELU: unknown approximation '{approximate}' (expected 'none' or 'tanh')");
        Approximate = approximate;
    }

    public override Tensor Forward(Tensor input) => F.Gelu(input, Approximate);

    protected override string ExtraRepr() => $"approximate='{Approximate}'";
}

public sealed class SiLU : Module<Tensor, Tensor>
{
    public override Tensor Forward(Tensor input) => F.Silu(input);
}

public sealed class ELU(float alpha = 1f) : Module<Tensor, Tensor>
{
    public float Alpha { get; } = alpha;

    public override Tensor Forward(Tensor input) => F.Elu(input, Alpha);

    protected override string ExtraRepr() => $"alpha={Alpha:G}";
}

public sealed class Tanh : Module<Tensor, Tensor>
{
    public override Tensor Forward(Tensor input) => F.Tanh(input);
}

public sealed class Sigmoid : Module<Tensor, Tensor>
{
    public override Tensor Forward(Tensor input) => F.Sigmoid(input);
}

public sealed class LeakyReLU(float negativeSlope = 0.01f) : Module<Tensor, Tensor>
{
    public float NegativeSlope { get; } = negativeSlope;

    public override Tensor Forward(Tensor input) => F.LeakyRelu(input, NegativeSlope);

    protected override string ExtraRepr() => $"negative_slope={NegativeSlope:G}";
}

/// <summary>Softmax over <see cref="Dim"/> (PyTorch's implicit-dim legacy is not carried over: the dim is required).</summary>
public sealed class Softmax(int dim) : Module<Tensor, Tensor>
{
    public int Dim { get; } = dim;

    public override Tensor Forward(Tensor input) => F.Softmax(input, Dim);

    protected override string ExtraRepr() => $"dim={Dim}";
}

public sealed class LogSoftmax(int dim) : Module<Tensor, Tensor>
{
    public int Dim { get; } = dim;

    public override Tensor Forward(Tensor input) => F.LogSoftmax(input, Dim);

    protected override string ExtraRepr() => $"dim={Dim}";
}
