using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Corvid.Tensors;

namespace Corvid.Nn.Optim;

public abstract partial class Optimizer
{
    /// <summary>
    /// The optimizer's state for a checkpoint, laid out as PyTorch's <c>optimizer.state_dict()</c>:
    /// parameters are numbered across groups in order; each one's buffers are tensors
    /// "state.{index}.{buffer}" and its step count "state.{index}.step" (int64); the groups'
    /// hyperparameters and parameter indices are JSON in the "param_groups" metadata entry.
    /// </summary>
    public (Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata) StateDict()
    {
        var tensors = new Dictionary<string, Tensor>();
        var groups = new JsonArray();
        int index = 0;
        foreach (var group in _groups)
        {
            var node = new JsonObject();
            foreach (var (option, value) in group.Options) node[option] = value;
            var indices = new JsonArray();
            foreach (var p in group.Parameters)
            {
                if (_state.TryGetValue(p, out var state))
                {
                    tensors[$"state.{index}.step"] = Tensor.FromArray([state.Step]).Reshape();
                    foreach (var (name, buffer) in state.Buffers) tensors[$"state.{index}.{name}"] = buffer.Clone();
                }
                indices.Add(index++);
            }
            node["params"] = indices;
            groups.Add(node);
        }
        var metadata = new Dictionary<string, string> { ["optimizer"] = GetType().Name, ["param_groups"] = groups.ToJsonString() };
        return (tensors, metadata);
    }

    /// <summary>
    /// Restores what <see cref="StateDict"/> returned into an optimizer built over the same parameters
    /// (same groups and sizes). Everything is checked before anything changes.
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        string name = GetType().Name;
        if (!metadata.TryGetValue("optimizer", out var kind) || !metadata.TryGetValue("param_groups", out var groupsJson))
            throw new InvalidDataException($"{name}: the optimizer state has no 'optimizer' and 'param_groups' metadata");
        if (kind != name) throw new InvalidDataException($"{name}: the optimizer state was saved from {kind}");
        JsonArray groups;
        try
        {
            groups = JsonNode.Parse(groupsJson) as JsonArray ?? throw new InvalidDataException($"{name}: 'param_groups' is not a JSON array");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{name}: 'param_groups' is not valid JSON: {e.Message}", e);
        }
        if (groups.Count != _groups.Count)
            throw new InvalidDataException($"{name}: the state has {groups.Count} parameter groups, the optimizer {_groups.Count}");

        var parameters = _groups.SelectMany(g => g.Parameters).ToList();
        var options = new List<Dictionary<string, double>>();
        for (int g = 0; g < groups.Count; g++)
        {
            var node = groups[g] as JsonObject ?? throw new InvalidDataException($"{name}: parameter group {g} is not a JSON object");
            int count = (node["params"] as JsonArray)?.Count ?? -1;
            if (count != _groups[g].Parameters.Count)
                throw new InvalidDataException($"{name}: parameter group {g} has {count} parameters in the state but {_groups[g].Parameters.Count} in the optimizer");
            options.Add(node.Where(kv => kv.Key != "params").ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<double>()));
        }

        var restored = new Dictionary<int, ParamState>();
        foreach (var (key, tensor) in tensors)
        {
            var parts = key.Split('.', 3);
            if (parts.Length != 3 || parts[0] != "state" || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int i) || i >= parameters.Count)
                throw new InvalidDataException($"{name}: unexpected key '{key}' in the optimizer state ({parameters.Count} parameters)");
            if (!restored.TryGetValue(i, out var state)) restored[i] = state = new ParamState(parameters[i].Shape.ToArray());
            if (parts[2] == "step")
            {
                state.Step = tensor.ItemLong();
                continue;
            }
            if (!tensor.Shape.SequenceEqual(parameters[i].Shape))
                throw new InvalidDataException($"{name}: '{key}' has shape {ShapeMath.Format(tensor.Shape)} but parameter {i} has {ShapeMath.Format(parameters[i].Shape)}");
            state.Buffers[parts[2]] = tensor.Contiguous().Clone();
        }

        for (int g = 0; g < _groups.Count; g++)
            foreach (var (option, value) in options[g]) _groups[g][option] = value;
        _state.Clear();
        foreach (var (i, state) in restored) _state[parameters[i]] = state;
    }
}
