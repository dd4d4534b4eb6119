using Corvid.Tensors;
using Corvid.Tensors.Autograd;

namespace Corvid.Nn.Optim;

/// <summary>
/// Updates parameters from their gradients, as <c>torch.optim.Optimizer</c>: parameter groups with
/// their own hyperparameters, per-parameter state, <see cref="Step()"/> and <see cref="ZeroGrad"/>.
/// Updates are written in place into the parameters' storage (no graph is recorded), so modules keep
/// their tensors and a graph that saved a parameter before the step sees the version change.
/// </summary>
public abstract partial class Optimizer
{
    private readonly List<ParamGroup> _groups = [];
    private readonly Dictionary<Tensor, ParamState> _state = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<Tensor> _all = new(ReferenceEqualityComparer.Instance);

    protected Optimizer(IEnumerable<ParamGroup> groups, IReadOnlyDictionary<string, double> defaults)
    {
        Defaults = new Dictionary<string, double>(defaults);
        foreach (var group in groups) AddParamGroup(group);
        if (_groups.Count == 0) throw new ArgumentException($"{GetType().Name}: optimizer got an empty parameter list");
    }

    /// <summary>Each parameter as its own one-group list, for the common constructor overloads.</summary>
    protected static IEnumerable<ParamGroup> OneGroup(IEnumerable<Tensor> parameters) => [new ParamGroup(parameters)];

    public IReadOnlyList<ParamGroup> ParamGroups => _groups;

    /// <summary>The hyperparameters a group gets when it does not set them.</summary>
    public IReadOnlyDictionary<string, double> Defaults { get; }

    public void AddParamGroup(ParamGroup group)
    {
        string name = GetType().Name;
        foreach (var option in group.Options.Keys)
        {
            if (!Defaults.ContainsKey(option) && option is not ("initial_lr" or "max_lr" or "min_lr" or "max_momentum" or "base_momentum"))
                throw new ArgumentException($"{name}: unknown option '{option}' in parameter group {_groups.Count} (known: {string.Join(", ", Defaults.Keys)})");
        }
        foreach (var (option, value) in Defaults)
            if (!group.Has(option)) group[option] = value;
        for (int i = 0; i < group.Parameters.Count; i++)
        {
            var p = group.Parameters[i];
            if (p.DType != DType.Float32)
                throw new ArgumentException($"{name}: parameter {i} of group {_groups.Count} is {p.DType}, only float32 parameters can be optimized");
            if (!p.IsLeaf)
                throw new ArgumentException($"{name}: parameter {i} of group {_groups.Count} (shape {ShapeMath.Format(p.Shape)}) is not a leaf tensor; optimize the leaf it was computed from");
            if (!p.IsContiguous)
                throw new ArgumentException($"{name}: parameter {i} of group {_groups.Count} (shape {ShapeMath.Format(p.Shape)}) is a non-contiguous view; optimizers update parameters in place and need contiguous storage");
            if (!_all.Add(p))
                throw new ArgumentException($"{name}: parameter {i} of group {_groups.Count} (shape {ShapeMath.Format(p.Shape)}) appears in more than one parameter group");
        }
        Validate(group, _groups.Count);
        _groups.Add(group);
    }

    /// <summary>Checks a group's hyperparameters (negative learning rate and the like) when it is added.</summary>
    protected virtual void Validate(ParamGroup group, int index)
    {
        if (group.Lr < 0) throw new ArgumentException($"{GetType().Name}: invalid learning rate {group.Lr} in parameter group {index}");
    }

    /// <summary>The state kept for one parameter (step count and buffers such as momentum or moments).</summary>
    public ParamState State(Tensor parameter)
    {
        if (!_state.TryGetValue(parameter, out var state))
        {
            if (!_all.Contains(parameter))
                throw new ArgumentException($"{GetType().Name}: the tensor of shape {ShapeMath.Format(parameter.Shape)} is not one of this optimizer's parameters");
            _state[parameter] = state = new ParamState(parameter.Shape.ToArray());
        }
        return state;
    }

    /// <summary>Whether a parameter has state yet (it gets it at its first update).</summary>
    public bool HasState(Tensor parameter) => _state.ContainsKey(parameter);

    /// <summary>Applies one update to every parameter that has a gradient.</summary>
    public void Step()
    {
        using var _ = GradMode.NoGrad();
        foreach (var group in _groups)
        {
            foreach (var p in group.Parameters)
            {
                if (p.Grad is not { } grad) continue;
                if (!grad.Shape.SequenceEqual(p.Shape))
                    throw new InvalidOperationException($"{GetType().Name}: gradient shape {ShapeMath.Format(grad.Shape)} differs from parameter shape {ShapeMath.Format(p.Shape)}");
                Update(group, p.MutableSpan(), grad.Contiguous().AsSpan(), State(p));
                p.Storage.Version++;
            }
        }
    }

    /// <summary>Re-evaluates the loss with <paramref name="closure"/> (which runs backward), then steps; returns the loss.</summary>
    public Tensor Step(Func<Tensor> closure)
    {
        Tensor loss;
        using (GradMode.EnableGrad()) loss = closure();
        Step();
        return loss;
    }

    /// <summary>The update rule for one parameter, given its values (written in place), its gradient and its state.</summary>
    protected abstract void Update(ParamGroup group, Span<float> param, ReadOnlySpan<float> grad, ParamState state);

    /// <summary>Clears gradients: sets them to null by default (PyTorch ≥ 2.0), or fills them with zeros.</summary>
    public void ZeroGrad(bool setToNone = true)
    {
        foreach (var group in _groups)
        {
            foreach (var p in group.Parameters)
            {
                if (p.Grad is null) continue;
                if (setToNone) p.Grad = null;
                else p.Grad = Tensor.Zeros(p.Shape.ToArray());
            }
        }
    }

}

/// <summary>What an optimizer remembers about one parameter between steps.</summary>
public sealed class ParamState
{
    private readonly int[] _shape;

    internal ParamState(int[] shape) => _shape = shape;

    /// <summary>How many updates the parameter has had (Adam's bias correction uses it).</summary>
    public long Step { get; set; }

    /// <summary>Named buffers with the parameter's element count ("momentum_buffer", "exp_avg", "exp_avg_sq", …).</summary>
    public Dictionary<string, Tensor> Buffers { get; } = [];

    /// <summary>The writable values of a buffer, created as zeros shaped like the parameter on first use.</summary>
    internal Span<float> Buffer(string name, out bool created)
    {
        created = !Buffers.TryGetValue(name, out var t);
        if (created) Buffers[name] = t = Tensor.Zeros(_shape);
        return t!.MutableSpan();
    }

    internal Span<float> Buffer(string name) => Buffer(name, out _);
}
