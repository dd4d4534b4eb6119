using Corvid.Nn;
using Corvid.Serving.Engine;
using Corvid.Serving.Models;
using Corvid.Serving.Runtimes;
using Corvid.Tensors;
using Corvid.Tensors.IO;

namespace Corvid.Serving.Tests;

/// <summary>Model definitions and weights for the <c>corvid</c> runtime: what is accepted, and how the refusals read.</summary>
public class ModelDefinitionTests
{
    private static string Definition(string layers, string input = "[1, 28, 28]") =>
        $$"""{"format": "corvid.sequential/1", "input": {"name": "image", "shape": {{input}}}, "output": "logits", "layers": [{{layers}}]}""";

    private static ModelLoadException Refused(string json) => Assert.Throws<ModelLoadException>(() => ModelDefinition.Parse(json, "model.json"));

    [Fact]
    public void The_state_dict_has_the_names_nn_Sequential_gives_and_the_committed_weights_use()
    {
        var net = FashionMnist.SmallCnn().Build();
        var keys = net.StateDict().Keys.Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["0.weight", "1.bias", "1.num_batches_tracked", "1.running_mean", "1.running_var", "1.weight",
            "12.bias", "12.weight", "4.weight", "5.bias", "5.num_batches_tracked", "5.running_mean", "5.running_var", "5.weight", "9.bias", "9.weight"], keys);
        var committed = SafeTensors.Load(Path.Combine(FashionMnistFiles.ModelDirectory, "model.safetensors")).Tensors;
        Assert.Equal(keys, committed.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_definition_round_trips_through_json()
    {
        var definition = FashionMnist.SmallCnn();
        var again = ModelDefinition.Parse(definition.ToJson(), "again");
        Assert.Equal(definition.ToJson(), again.ToJson());
        Assert.Equal([1, 10], definition.OutputShape(definition.Build()));
    }

    [Theory]
    [InlineData("""{"type": "convolution"}""", "layers[0] (convolution): layer type 'convolution' is unknown")]
    [InlineData("""{"kind": "relu"}""", "layers[0]: field 'type' is missing")]
    [InlineData("""{"type": "conv2d", "in_channels": 1, "out_channels": 4}""", "layers[0] (conv2d): field 'kernel_size' is missing")]
    [InlineData("""{"type": "conv2d", "in_channels": 1, "out_channels": 4, "kernel_size": "3"}""", "layers[0] (conv2d): field 'kernel_size' is \"3\", not an integer")]
    [InlineData("""{"type": "conv2d", "in_channels": 1, "out_channels": 4, "kernel_size": [3, 3, 3]}""", "field 'kernel_size' has 3 values")]
    [InlineData("""{"type": "conv2d", "in_channels": 1, "out_channels": 0, "kernel_size": 3}""", "field 'out_channels' is 0; it must be at least 1")]
    [InlineData("""{"type": "relu", "inplace": true}""", "layers[0] (relu): unknown field 'inplace'")]
    [InlineData("""{"type": "dropout", "p": 1.5}""", "layers[0] (dropout): field 'p' is 1.5")]
    [InlineData("""{"type": "conv2d", "in_channels": 3, "out_channels": 4, "kernel_size": 3, "groups": 2}""", "layers[0] (conv2d): Conv2d: in_channels 3 is not divisible by groups 2")]
    public void A_bad_layer_is_refused_naming_the_layer_and_the_field(string layer, string expected)
    {
        Assert.Contains(expected, Refused(Definition(layer)).Message);
    }

    [Fact]
    public void Layers_that_do_not_fit_together_are_found_when_the_model_loads_naming_both_shapes()
    {
        var definition = ModelDefinition.Parse(Definition("""{"type": "flatten"}, {"type": "linear", "in_features": 100, "out_features": 10}"""), "model.json");
        var e = Assert.Throws<ModelLoadException>(() => definition.OutputShape(definition.Build()));
        Assert.Contains("layers[1] (linear) cannot take input of shape [1, 784]", e.Message);
    }

    [Theory]
    [InlineData("""{"input": {"name": "x", "shape": [4]}, "output": "y", "layers": [{"type": "relu"}]}""", "field 'format' is missing")]
    [InlineData("""{"format": "corvid.sequential/1", "input": {"name": "x", "shape": [0]}, "output": "y", "layers": [{"type": "relu"}]}""", "field 'input.shape[0]' is 0")]
    [InlineData("""{"format": "corvid.sequential/1", "input": {"name": "x", "shape": [4]}, "output": "y", "layers": []}""", "field 'layers' must be a non-empty array")]
    [InlineData("""{"format": "corvid.sequential/1", "input": {"name": "x", "shape": [4]}, "output": "y", "layers": [{"type": "relu"}], "optimizer": "adam"}""", "unknown field 'optimizer'")]
    [InlineData("""{"format": "corvid.sequential/1", "input": {"name": "x", "shape": [4]}, "layers": [{"type": "relu"}]}""", "field 'output' must be a non-empty string")]
    [InlineData("""not json""", "not valid JSON")]
    public void A_bad_definition_document_is_refused_naming_the_field(string json, string expected)
    {
        var e = Refused(json);
        Assert.Contains("model.json", e.Message);
        Assert.Contains(expected, e.Message);
    }

    /// <summary>A model folder for a tiny MLP with weights edited by <paramref name="edit"/>.</summary>
    private static ModelPackage MlpFolder(Action<Dictionary<string, Tensor>> edit, bool withDefinition = true)
    {
        var dir = TestModels.TempDirectory("mlp");
        var definition = ModelDefinition.Parse(
            """{"format": "corvid.sequential/1", "input": {"name": "x", "shape": [4]}, "output": "y", "layers": [{"type": "linear", "in_features": 4, "out_features": 3}, {"type": "relu"}]}""",
            "mlp.json");
        File.WriteAllText(Path.Combine(dir, "model.json"), definition.ToJson());
        var state = definition.Build(new Generator(5)).StateDict();
        edit(state);
        SafeTensors.Save(Path.Combine(dir, "model.safetensors"), state);
        var manifest = new ModelManifest { Name = "mlp", Runtime = "corvid", Handler = "raw-tensor", Weights = "model.safetensors", Definition = withDefinition ? "model.json" : null };
        File.WriteAllText(Path.Combine(dir, ModelManifest.FileName), manifest.ToJson());
        return ModelPackage.FromDirectory(dir);
    }

    private static ModelLoadException LoadFails(ModelPackage package) =>
        Assert.Throws<ModelLoadException>(() => ModelRuntimes.Default().Get("corvid").Load(package).Dispose());

    [Fact]
    public void A_missing_tensor_is_named_with_its_layer_and_shape()
    {
        var e = LoadFails(MlpFolder(s => s.Remove("0.bias")));
        Assert.Contains("tensor '0.bias' (layers[0] (linear), shape [3]) is missing", e.Message);
        Assert.Contains("model 'mlp'", e.Message);
    }

    [Fact]
    public void A_misshaped_tensor_is_named_with_both_shapes()
    {
        var e = LoadFails(MlpFolder(s => s["0.weight"] = Tensor.Zeros(3, 5)));
        Assert.Contains("tensor '0.weight' has shape [3, 5] in the file but layers[0] (linear) needs [3, 4]", e.Message);
    }

    [Fact]
    public void An_extra_tensor_is_refused()
    {
        var e = LoadFails(MlpFolder(s => s["2.weight"] = Tensor.Zeros(2)));
        Assert.Contains("tensor '2.weight' (shape [2]) is in the file but the definition has no such parameter", e.Message);
    }

    [Fact]
    public void A_corvid_manifest_without_a_definition_is_refused_naming_the_field()
    {
        var e = LoadFails(MlpFolder(_ => { }, withDefinition: false));
        Assert.Contains("'definition'", e.Message);
    }

    [Fact]
    public void A_truncated_weights_file_is_refused_naming_the_file()
    {
        var package = MlpFolder(_ => { });
        var bytes = File.ReadAllBytes(package.WeightsPath);
        File.WriteAllBytes(package.WeightsPath, bytes[..(bytes.Length - 8)]);
        var e = LoadFails(package);
        Assert.Contains("model.safetensors", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void A_good_folder_loads_and_computes_the_layers_over_a_batch()
    {
        var package = MlpFolder(_ => { });
        using var model = ModelRuntimes.Default().Get("corvid").Load(package);
        Assert.Equal("x FP32 [-1,4]", model.Inputs[0].ToString());
        Assert.Equal("y FP32 [-1,3]", model.Outputs[0].ToString());
        var state = SafeTensors.Load(package.WeightsPath).Tensors;
        var w = state["0.weight"].ToArray();
        var b = state["0.bias"].ToArray();
        float[] x = [1, -2, 0.5f, 3, 0, 1, 0, -1];
        using var executor = model.CreateExecutor(1);
        var y = (float[])executor.Run([Tensors.NamedTensor.Float32("x", [2, 4], x)])[0].Data;
        for (var row = 0; row < 2; row++)
        {
            for (var o = 0; o < 3; o++)
            {
                double sum = b[o];
                for (var i = 0; i < 4; i++) sum += w[o * 4 + i] * x[row * 4 + i];
                Assert.Equal(Math.Max(0, sum), y[row * 3 + o], 5);
            }
        }
    }
}
