using System.Text.Json;
using System.Text.Json.Nodes;
using Corvid.Nn;
using Corvid.Serving.Models;
using Corvid.Tensors;
using Corvid.Tensors.Autograd;

namespace Corvid.Serving.Engine;

/// <summary>
/// A model for Corvid's engine described as data: the input's name and shape (without the batch), the output's
/// name and a list of layers run in order, as <c>torch.nn.Sequential</c>:
/// <code>
/// {"format": "corvid.sequential/1", "input": {"name": "image", "shape": [1, 28, 28]}, "output": "logits",
///  "layers": [{"type": "conv2d", "in_channels": 1, "out_channels": 16, "kernel_size": 3, "padding": 1}, {"type": "relu"}, ...]}
/// </code>
/// Layer fields are the PyTorch constructor's arguments (see <see cref="LayerCatalog"/>); the weights' names are
/// those of <c>nn.Sequential</c> ("0.weight", "1.running_var", ...). Everything is checked when the definition is
/// read, and again when it is built, with errors naming the file, the layer and the field.
/// </summary>
public sealed class ModelDefinition
{
    public const string FormatName = "corvid.sequential/1";

    private readonly JsonArray _layers;

    private ModelDefinition(string source, string inputName, int[] inputShape, string outputName, JsonArray layers)
    {
        Source = source;
        InputName = inputName;
        InputShape = inputShape;
        OutputName = outputName;
        _layers = layers;
    }

    /// <summary>Where the definition came from, for error messages.</summary>
    public string Source { get; }
    public string InputName { get; }
    /// <summary>One example's shape, without the batch dimension: [1, 28, 28] for a Fashion-MNIST image.</summary>
    public int[] InputShape { get; }
    public string OutputName { get; }
    public int LayerCount => _layers.Count;

    /// <summary>"layers[3] (conv2d)": how errors name a layer.</summary>
    public string LayerName(int index) => $"layers[{index}] ({_layers[index]!["type"]})";

    public static ModelDefinition Load(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelLoadException($"model definition '{path}' cannot be read: {e.Message}", e);
        }
        return Parse(json, path);
    }

    public static ModelDefinition Parse(string json, string source)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new ModelLoadException($"{source}: not valid JSON: {e.Message}", e);
        }
        if (root is not JsonObject obj) throw new ModelLoadException($"{source}: a model definition is a JSON object with 'format', 'input', 'output' and 'layers'");
        string[] known = ["format", "input", "output", "layers"];
        if (obj.Select(kv => kv.Key).FirstOrDefault(k => !known.Contains(k)) is { } extra)
        {
            throw new ModelLoadException($"{source}: unknown field '{extra}'; a definition has {string.Join(", ", known)}");
        }
        var format = obj["format"]?.GetValueKind() == JsonValueKind.String ? obj["format"]!.GetValue<string>() : null;
        if (format != FormatName) throw new ModelLoadException($"{source}: field 'format' is {obj["format"]?.ToJsonString() ?? "missing"}; expected \"{FormatName}\"");

        if (obj["input"] is not JsonObject input) throw new ModelLoadException($"{source}: field 'input' must be an object {{\"name\": ..., \"shape\": [...]}}");
        var inputName = RequireName(input["name"], source, "input.name");
        if (input["shape"] is not JsonArray shapeArray || shapeArray.Count == 0)
        {
            throw new ModelLoadException($"{source}: field 'input.shape' must be a non-empty array of dimensions without the batch, e.g. [1, 28, 28]");
        }
        var shape = new int[shapeArray.Count];
        for (var i = 0; i < shape.Length; i++)
        {
            var d = shapeArray[i];
            if (d is null || d.GetValueKind() != JsonValueKind.Number || !d.AsValue().TryGetValue<int>(out shape[i]) || shape[i] < 1 || shape[i] > 1 << 16)
            {
                throw new ModelLoadException($"{source}: field 'input.shape[{i}]' is {d?.ToJsonString() ?? "null"}; dimensions are integers from 1 to 65536");
            }
        }
        var outputName = RequireName(obj["output"], source, "output");
        if (obj["layers"] is not JsonArray layers || layers.Count == 0)
        {
            throw new ModelLoadException($"{source}: field 'layers' must be a non-empty array of layers");
        }
        var definition = new ModelDefinition(source, inputName, shape, outputName, (JsonArray)layers.DeepClone());
        definition.Build(); // every layer's fields are checked now, not at the first request
        return definition;
    }

    private static string RequireName(JsonNode? node, string source, string field)
    {
        var name = node?.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null;
        if (string.IsNullOrWhiteSpace(name)) throw new ModelLoadException($"{source}: field '{field}' must be a non-empty string");
        return name;
    }

    /// <summary>The network, with freshly initialised weights drawn from <paramref name="generator"/> (the default generator when null).</summary>
    public Sequential Build(Generator? generator = null)
    {
        var net = new Sequential();
        for (var i = 0; i < _layers.Count; i++)
        {
            var where = $"{Source}: layers[{i}]";
            if (_layers[i] is not JsonObject layer) throw new ModelLoadException($"{where} is {_layers[i]?.ToJsonString() ?? "null"}, not an object with a 'type'");
            var type = layer["type"]?.GetValueKind() == JsonValueKind.String ? layer["type"]!.GetValue<string>() : null;
            if (type is null) throw new ModelLoadException($"{where}: field 'type' is missing; known types: {string.Join(", ", LayerCatalog.Names)}");
            net.Add(LayerCatalog.Build(type, new LayerArguments(layer, $"{where} ({type})"), generator));
        }
        return net;
    }

    /// <summary>
    /// Runs one zero example through <paramref name="net"/> layer by layer, without recording a graph, and returns
    /// the output's shape with the batch dimension. A layer that cannot take what the layer before gives
    /// (a linear layer's in_features against the flattened size, say) is named with both shapes.
    /// </summary>
    public int[] OutputShape(Sequential net)
    {
        var training = net.Training;
        net.Eval();
        try
        {
            using var noGrad = GradMode.NoGrad();
            var x = Tensor.Zeros([1, .. InputShape]);
            for (var i = 0; i < net.Count; i++)
            {
                try
                {
                    x = net[i].Forward(x);
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException or IndexOutOfRangeException or OverflowException)
                {
                    throw new ModelLoadException($"{Source}: {LayerName(i)} cannot take input of shape {ShapeText.Format(x.Shape)} (what the layers before give for input {ShapeText.Format([1, .. InputShape])}): {e.Message}");
                }
            }
            return x.Shape.ToArray();
        }
        finally
        {
            net.Train(training);
        }
    }

    public string ToJson()
    {
        var root = new JsonObject
        {
            ["format"] = FormatName,
            ["input"] = new JsonObject { ["name"] = InputName, ["shape"] = new JsonArray(InputShape.Select(d => (JsonNode)d).ToArray()) },
            ["output"] = OutputName,
            ["layers"] = _layers.DeepClone(),
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}
