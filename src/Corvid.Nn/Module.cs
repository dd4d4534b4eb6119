using Corvid.Tensors;
using Corvid.Tensors.Autograd;

namespace Corvid.Nn;

/// <summary>
/// A building block with named parameters, buffers and child modules, as <c>torch.nn.Module</c>.
/// Parameters are looked up by name on every forward, which is what lets <see cref="FunctionalCall"/>
/// run a module on other weights (MAML's fast weights) without touching the module's own.
/// </summary>
public abstract class Module
{
    private readonly List<string> _parameterNames = [];
    private readonly Dictionary<string, Tensor?> _parameters = [];
    private readonly List<string> _bufferNames = [];
    private readonly Dictionary<string, Tensor> _buffers = [];
    private readonly HashSet<string> _nonPersistent = [];
    private readonly List<(string Name, Module Module)> _children = [];

    /// <summary>Training mode (dropout active, batch norm uses batch statistics); see <see cref="Train"/> and <see cref="Eval"/>.</summary>
    public bool Training { get; private set; } = true;

    /// <summary>Registers a parameter (it is made to require grad). A null parameter (no bias) is allowed.</summary>
    protected Tensor RegisterParameter(string name, Tensor tensor)
    {
        CheckNewName(name);
        if (!tensor.IsLeaf) tensor = tensor.Detach();
        tensor.RequiresGrad = true;
        _parameterNames.Add(name);
        _parameters[name] = tensor;
        return tensor;
    }

    protected void RegisterParameter(string name, Tensor? tensor, bool allowNull)
    {
        if (tensor is not null || !allowNull)
        {
            RegisterParameter(name, tensor ?? throw new ArgumentNullException(nameof(tensor)));
            return;
        }
        CheckNewName(name);
        _parameterNames.Add(name);
        _parameters[name] = null;
    }

    /// <summary>Registers state that is saved with the module but not trained (running statistics).</summary>
    protected Tensor RegisterBuffer(string name, Tensor tensor, bool persistent = true)
    {
        CheckNewName(name);
        _bufferNames.Add(name);
        _buffers[name] = tensor;
        if (!persistent) _nonPersistent.Add(name);
        return tensor;
    }

    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        CheckNewName(name);
        _children.Add((name, module));
        return module;
    }

    private void CheckNewName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
            throw new ArgumentException($"{GetType().Name}: invalid name '{name}' (must be non-empty and contain no '.')");
        if (_parameters.ContainsKey(name) || _buffers.ContainsKey(name) || _children.Any(c => c.Name == name))
            throw new ArgumentException($"{GetType().Name}: '{name}' is already registered");
    }

    /// <summary>The current tensor of a parameter (an override inside <see cref="FunctionalCall"/>).</summary>
    protected Tensor Parameter(string name) =>
        _parameters.TryGetValue(name, out var t) ? t ?? throw new InvalidOperationException($"{GetType().Name}: parameter '{name}' is not set")
            : throw new KeyNotFoundException($"{GetType().Name} has no parameter '{name}'");

    protected Tensor? OptionalParameter(string name) => _parameters.TryGetValue(name, out var t) ? t : null;

    protected Tensor Buffer(string name) => _buffers[name];

    public IEnumerable<(string Name, Module Module)> NamedChildren() => _children;

    public IEnumerable<Module> Children() => _children.Select(c => c.Module);

    /// <summary>This module and every descendant, with dotted names ("" for this one).</summary>
    public IEnumerable<(string Name, Module Module)> NamedModules(string prefix = "")
    {
        yield return (prefix, this);
        foreach (var (name, child) in _children)
            foreach (var item in child.NamedModules(Join(prefix, name))) yield return item;
    }

    public IEnumerable<(string Name, Tensor Parameter)> NamedParameters(string prefix = "")
    {
        foreach (var name in _parameterNames)
            if (_parameters[name] is { } p) yield return (Join(prefix, name), p);
        foreach (var (name, child) in _children)
            foreach (var item in child.NamedParameters(Join(prefix, name))) yield return item;
    }

    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(p => p.Parameter);

    public IEnumerable<(string Name, Tensor Buffer)> NamedBuffers(string prefix = "", bool persistentOnly = false)
    {
        foreach (var name in _bufferNames)
            if (!persistentOnly || !_nonPersistent.Contains(name)) yield return (Join(prefix, name), _buffers[name]);
        foreach (var (name, child) in _children)
            foreach (var item in child.NamedBuffers(Join(prefix, name), persistentOnly)) yield return item;
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    /// <summary>Sets training mode on this module and all its descendants.</summary>
    public Module Train(bool training = true)
    {
        foreach (var (_, m) in NamedModules()) m.Training = training;
        return this;
    }

    public Module Eval() => Train(false);

    /// <summary>Clears the gradients of every parameter (sets them to null, as PyTorch's default).</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.Grad = null;
    }

    /// <summary>Parameters and persistent buffers by dotted name: the weights a checkpoint holds.</summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var state = new Dictionary<string, Tensor>();
        foreach (var (name, module) in NamedModules())
        {
            foreach (var p in module._parameterNames)
                if (module._parameters[p] is { } t) state[Join(name, p)] = t.Detach();
            foreach (var b in module._bufferNames)
                if (!module._nonPersistent.Contains(b)) state[Join(name, b)] = module._buffers[b];
        }
        return state;
    }

    /// <summary>
    /// Copies values into this module's parameters and buffers. With <paramref name="strict"/>, a missing
    /// or unexpected key is an error; a shape mismatch always is. Nothing is changed when it fails.
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool strict = true)
    {
        var own = StateDict();
        var missing = own.Keys.Where(k => !state.ContainsKey(k)).ToList();
        var unexpected = state.Keys.Where(k => !own.ContainsKey(k)).ToList();
        var problems = new List<string>();
        if (strict && missing.Count > 0) problems.Add("missing keys: " + string.Join(", ", missing));
        if (strict && unexpected.Count > 0) problems.Add("unexpected keys: " + string.Join(", ", unexpected));
        foreach (var (key, target) in own)
        {
            if (!state.TryGetValue(key, out var source)) continue;
            if (!source.Shape.SequenceEqual(target.Shape))
                problems.Add($"'{key}' has shape [{string.Join(", ", source.Shape.ToArray())}] in the state dict but [{string.Join(", ", target.Shape.ToArray())}] in the module");
            else if (source.DType != target.DType)
                problems.Add($"'{key}' is {source.DType} in the state dict but {target.DType} in the module");
        }
        if (problems.Count > 0)
            throw new InvalidDataException($"Error(s) in loading state dict for {GetType().Name}:\n  " + string.Join("\n  ", problems));
        using (GradMode.NoGrad())
        {
            foreach (var (key, target) in own)
                if (state.TryGetValue(key, out var source)) target.CopyFrom(source);
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/> with some parameters replaced by other tensors (by dotted name),
    /// like <c>torch.func.functional_call</c>: the replacements keep their graph, so gradients flow
    /// back through them (MAML's inner loop). The module's own parameters are restored afterwards.
    /// Not for concurrent use of the same module.
    /// </summary>
    public T FunctionalCall<T>(IReadOnlyDictionary<string, Tensor> parameters, Func<T> body)
    {
        var owners = NamedModules().ToDictionary(m => m.Name, m => m.Module);
        var saved = new List<(Module Owner, string Name, Tensor? Original)>();
        try
        {
            foreach (var (key, tensor) in parameters)
            {
                int dot = key.LastIndexOf('.');
                var ownerName = dot < 0 ? "" : key[..dot];
                var local = dot < 0 ? key : key[(dot + 1)..];
                if (!owners.TryGetValue(ownerName, out var owner) || !owner._parameters.TryGetValue(local, out var original))
                    throw new KeyNotFoundException($"{GetType().Name}: functional call names parameter '{key}', which the module does not have");
                if (original is not null && !original.Shape.SequenceEqual(tensor.Shape))
                    throw new ArgumentException($"{GetType().Name}: functional call gives '{key}' shape [{string.Join(", ", tensor.Shape.ToArray())}], the parameter has [{string.Join(", ", original.Shape.ToArray())}]");
                saved.Add((owner, local, original));
                owner._parameters[local] = tensor;
            }
            return body();
        }
        finally
        {
            foreach (var (owner, name, original) in saved) owner._parameters[name] = original;
        }
    }

    public override string ToString() => Describe("");

    private string Describe(string indent)
    {
        var head = GetType().Name + "(" + ExtraRepr() + ")";
        if (_children.Count == 0) return head;
        var lines = _children.Select(c => $"{indent}  ({c.Name}): {c.Module.Describe(indent + "  ")}");
        return GetType().Name + "(\n" + string.Join("\n", lines) + "\n" + indent + ")";
    }

    /// <summary>Extra text for <see cref="ToString"/>, as PyTorch's <c>extra_repr</c>.</summary>
    protected virtual string ExtraRepr() => "";
}

/// <summary>A module with one input and one output, called like a function.</summary>
public abstract class Module<TInput, TOutput> : Module
{
    public abstract TOutput Forward(TInput input);

    public TOutput Call(TInput input) => Forward(input);
}
