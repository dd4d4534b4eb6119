using Corvid.Tensors;

namespace Corvid.Nn.Optim;

/// <summary>
/// Parameters that share hyperparameters, as an entry of PyTorch's <c>optimizer.param_groups</c>.
/// Options are named as in PyTorch ("lr", "momentum", "weight_decay"; Adam's betas are "beta1" and
/// "beta2"); a group created with only some of them takes the rest from the optimizer's defaults.
/// Schedulers read and write options here, as they do in PyTorch.
/// </summary>
public sealed class ParamGroup
{
    private readonly Dictionary<string, double> _options = [];

    public ParamGroup(IEnumerable<Tensor> parameters) => Parameters = parameters.ToList();

    public IReadOnlyList<Tensor> Parameters { get; }

    public double this[string option]
    {
        get => _options.TryGetValue(option, out var v) ? v
            : throw new KeyNotFoundException($"parameter group has no option '{option}' (it has: {string.Join(", ", _options.Keys)})");
        set => _options[option] = value;
    }

    public bool Has(string option) => _options.ContainsKey(option);

    public IReadOnlyDictionary<string, double> Options => _options;

    /// <summary>The learning rate, the option schedulers change.</summary>
    public double Lr
    {
        get => this["lr"];
        set => this["lr"] = value;
    }
}
