using System.Text.Json;
using System.Text.Json.Nodes;
using Corvid.Serving.Models;

namespace Corvid.Serving.Engine;

/// <summary>
/// One layer's JSON object read field by field. Every error names the definition file, the layer's index and
/// type and the field, e.g. <c>model.json: layers[3] (conv2d): field 'kernel_size' is "3", not a positive integer</c>.
/// </summary>
internal sealed class LayerArguments(JsonObject layer, string where)
{
    private readonly HashSet<string> _read = ["type"];

    public string Where => where;

    public ModelLoadException Error(string message) => new($"{where}: {message}");

    public int Int(string field, int? fallback = null, int min = 1) =>
        Optional(field) is { } node ? ToInt(node, field, min) : fallback ?? throw Error($"field '{field}' is missing");

    public int? OptionalInt(string field, int min = 1) => Optional(field) is { } node ? ToInt(node, field, min) : null;

    /// <summary>An int or a [h, w] pair, as PyTorch's <c>_pair</c> arguments (kernel_size=3 or kernel_size=[3, 5]).</summary>
    public (int H, int W) Pair(string field, (int H, int W)? fallback = null, int min = 1)
    {
        if (Optional(field) is not { } node) return fallback ?? throw Error($"field '{field}' is missing");
        if (node is JsonArray array)
        {
            if (array.Count != 2) throw Error($"field '{field}' has {array.Count} values; give one integer or two [h, w]");
            return (ToInt(array[0], $"{field}[0]", min), ToInt(array[1], $"{field}[1]", min));
        }
        var value = ToInt(node, field, min);
        return (value, value);
    }

    public (int H, int W)? OptionalPair(string field, int min = 1) => Optional(field) is null ? null : Pair(field, min: min);

    public double Number(string field, double fallback, double min, double max)
    {
        if (Optional(field) is not { } node) return fallback;
        if (node.GetValueKind() != JsonValueKind.Number) throw Error($"field '{field}' is {node.ToJsonString()}, not a number");
        var value = node.GetValue<double>();
        if (!(value >= min && value <= max)) throw Error($"field '{field}' is {value}; it must be between {min} and {max}");
        return value;
    }

    public bool Bool(string field, bool fallback)
    {
        if (Optional(field) is not { } node) return fallback;
        return node.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Error($"field '{field}' is {node.ToJsonString()}, not true or false"),
        };
    }

    public string String(string field, string fallback, params string[] allowed)
    {
        if (Optional(field) is not { } node) return fallback;
        var value = node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : throw Error($"field '{field}' is {node.ToJsonString()}, not a string");
        if (!allowed.Contains(value)) throw Error($"field '{field}' is '{value}'; expected one of {string.Join(", ", allowed)}");
        return value;
    }

    /// <summary>Fields nobody asked for are typos or options Corvid does not have: refuse them rather than ignore them.</summary>
    public void RejectUnknownFields()
    {
        var unknown = layer.Select(kv => kv.Key).Where(k => !_read.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw Error($"unknown field{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown.Select(u => $"'{u}'"))}; this layer takes {(_read.Count > 1 ? string.Join(", ", _read.Where(r => r != "type")) : "no fields")}");
        }
    }

    private JsonNode? Optional(string field)
    {
        _read.Add(field);
        var node = layer[field];
        return node is null || node.GetValueKind() == JsonValueKind.Null ? null : node;
    }

    private int ToInt(JsonNode? node, string field, int min)
    {
        if (node is null || node.GetValueKind() != JsonValueKind.Number || !node.AsValue().TryGetValue<int>(out var value))
        {
            throw Error($"field '{field}' is {node?.ToJsonString() ?? "null"}, not an integer");
        }
        if (value < min) throw Error($"field '{field}' is {value}; it must be at least {min}");
        return value;
    }
}
