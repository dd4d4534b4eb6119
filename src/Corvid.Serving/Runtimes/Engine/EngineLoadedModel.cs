using Corvid.Nn;
using Corvid.Serving.Engine;
using Corvid.Serving.Models;
using Corvid.Serving.Tensors;
using Corvid.Tensors;
using Corvid.Tensors.IO;
using Corvid.Tensors.Kernels;

namespace Corvid.Serving.Runtimes.Engine;

/// <summary>
/// One network in eval mode with its weights loaded once; every worker's executor runs this same module.
/// That is safe because inference changes nothing in it: no graph is recorded, batch norm reads its running
/// statistics and dropout passes its input through, and each forward allocates its own activations.
/// </summary>
internal sealed class EngineLoadedModel : ILoadedModel
{
    private EngineLoadedModel(Sequential network, ModelDefinition definition, int[] outputShape)
    {
        Network = network;
        Definition = definition;
        Inputs = [new TensorSpec(definition.InputName, TensorDataType.Float32, [-1, .. definition.InputShape])];
        Outputs = [new TensorSpec(definition.OutputName, TensorDataType.Float32, [-1, .. outputShape.AsSpan(1)])];
    }

    public Sequential Network { get; }
    public ModelDefinition Definition { get; }
    public IReadOnlyList<TensorSpec> Inputs { get; }
    public IReadOnlyList<TensorSpec> Outputs { get; }

    public static EngineLoadedModel Load(string modelName, ModelDefinition definition, string weightsPath)
    {
        var network = definition.Build(new Generator(0));
        IReadOnlyDictionary<string, Tensor> weights;
        try
        {
            weights = SafeTensors.Load(weightsPath).Tensors;
        }
        // A damaged header can surface as any of these from the JSON reader; all mean "this file is not usable".
        catch (Exception e) when (e is InvalidDataException or IOException or FormatException or InvalidOperationException
                                      or NullReferenceException or ArgumentException or OverflowException or KeyNotFoundException)
        {
            throw new ModelLoadException($"model '{modelName}': weights file '{weightsPath}' cannot be read: {e.Message}", e);
        }
        CheckWeights(modelName, definition, network, weights, Path.GetFileName(weightsPath));
        network.LoadStateDict(weights, strict: true);
        network.Eval();
        var outputShape = definition.OutputShape(network);
        return new EngineLoadedModel(network, definition, outputShape);
    }

    /// <summary>
    /// Every tensor the network has must be in the file with the same shape and type, and the file may hold
    /// nothing else: a missing or misshaped tensor is named with the layer it belongs to and both shapes.
    /// </summary>
    private static void CheckWeights(string modelName, ModelDefinition definition, Sequential network, IReadOnlyDictionary<string, Tensor> weights, string file)
    {
        var expected = network.StateDict();
        var problems = new List<string>();
        foreach (var (key, tensor) in expected)
        {
            var layer = LayerOf(definition, key);
            if (!weights.TryGetValue(key, out var found))
            {
                problems.Add($"tensor '{key}' ({layer}, shape {ShapeText.Format(tensor.Shape)}) is missing");
            }
            else if (!found.Shape.SequenceEqual(tensor.Shape))
            {
                problems.Add($"tensor '{key}' has shape {ShapeText.Format(found.Shape)} in the file but {layer} needs {ShapeText.Format(tensor.Shape)}");
            }
            else if (found.DType != tensor.DType)
            {
                problems.Add($"tensor '{key}' is {found.DType} in the file but {layer} needs {tensor.DType}");
            }
        }
        foreach (var key in weights.Keys.Where(k => !expected.ContainsKey(k)).Order(StringComparer.Ordinal))
        {
            problems.Add($"tensor '{key}' (shape {ShapeText.Format(weights[key].Shape)}) is in the file but the definition has no such parameter");
        }
        if (problems.Count > 0)
        {
            throw new ModelLoadException($"model '{modelName}': weights '{file}' do not fit definition '{Path.GetFileName(definition.Source)}': {string.Join("; ", problems)}");
        }
    }

    private static string LayerOf(ModelDefinition definition, string key)
    {
        var dot = key.IndexOf('.');
        return dot > 0 && int.TryParse(key.AsSpan(0, dot), out var index) && index < definition.LayerCount ? definition.LayerName(index) : "the network";
    }

    /// <summary>
    /// Every executor runs the shared network with its own thread budget (<see cref="Threads.Limit"/> around each call),
    /// as every ONNX Runtime session has its own <c>IntraOpNumThreads</c>: workers never oversubscribe the CPU.
    /// </summary>
    public IModelExecutor CreateExecutor(int intraOpThreads) => new EngineExecutor(this, Math.Max(1, intraOpThreads));

    public void Dispose()
    {
    }
}
