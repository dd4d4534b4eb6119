using System.Text.Json.Nodes;
using Corvid.Serving.Handlers;
using Corvid.Serving.Runtimes;
using Corvid.Serving.Tensors;
using SkiaSharp;

namespace Corvid.Serving.Tests;

public class HandlerTests
{
    private static JsonNode Predict(Models.ModelPackage package, byte[] body)
    {
        using var model = ModelRuntimes.Default().Get(package.Manifest.Runtime).Load(package);
        var handler = ModelHandlers.Get(package.Manifest.Handler);
        var context = new HandlerContext(package.Manifest.Name, model.Inputs, model.Outputs, package.ReadLabels());
        using var executor = model.CreateExecutor(1);
        return handler.Postprocess(executor.Run(handler.Preprocess(body, null, context)), context);
    }

    [Theory]
    [InlineData(255, 0, 0, "red")]
    [InlineData(0, 255, 0, "green")]
    [InlineData(0, 0, 255, "blue")]
    public void Classifier_names_the_colour_with_softmax_probabilities(byte r, byte g, byte b, string expected)
    {
        var package = TestModels.ColourClassifier(TestModels.TempDirectory("classifier"));
        var result = Predict(package, TestImages.Solid(new SKColor(r, g, b), format: SKEncodedImageFormat.Jpeg)).AsObject();

        Assert.Equal(3, result.Count); // top-5 of a 3-class model is all three
        Assert.Equal(expected, result.First().Key);
        var probabilities = result.Select(kv => kv.Value!.GetValue<float>()).ToList();
        Assert.Equal(1f, probabilities.Sum(), 1e-4f);
        Assert.Equal(probabilities.OrderDescending(), probabilities);
    }

    [Fact]
    public void Classifier_probabilities_are_the_softmax_of_the_logits()
    {
        // Red image: channel means are the normalised values of 255, 0, 0; logits are 4 x those.
        float[] logits = [4 * (1 - 0.485f) / 0.229f, 4 * (0 - 0.456f) / 0.224f, 4 * (0 - 0.406f) / 0.225f];
        var max = logits.Max();
        var exp = logits.Select(l => Math.Exp(l - max)).ToArray();
        var expectedRed = (float)(exp[0] / exp.Sum());

        var package = TestModels.ColourClassifier(TestModels.TempDirectory("classifier"));
        var result = Predict(package, TestImages.Solid(new SKColor(255, 0, 0))).AsObject();

        Assert.Equal(expectedRed, result["red"]!.GetValue<float>(), 1e-4f);
    }

    [Fact]
    public void Top_indices_are_largest_first()
    {
        Assert.Equal([3, 1, 4], ImageClassifierHandler.TopIndices([0.1f, 0.5f, 0.0f, 0.9f, 0.2f], 3));
        Assert.Equal([1, 0], ImageClassifierHandler.TopIndices([1f, 2f], 5));
    }

    [Fact]
    public void Embedding_handler_answers_512_numbers()
    {
        var result = Predict(Models.EmbeddedModels.ResNet18(), TestImages.Pattern()).AsArray();
        Assert.Equal(512, result.Count);
        Assert.Contains(result, v => v!.GetValue<float>() != 0f);
    }

    [Fact]
    public void Raw_tensor_handler_runs_numbers_through_the_model()
    {
        var package = TestModels.AddOne(TestModels.TempDirectory("raw"));
        var result = Predict(package, """{"shape": [1, 4], "data": [1, 2, 3, 4.5]}"""u8.ToArray());
        Assert.Equal("[2,3,4,5.5]", result["y"]!["data"]!.ToJsonString());
        Assert.Equal("[1,4]", result["y"]!["shape"]!.ToJsonString());
    }

    [Fact]
    public void Raw_tensor_handler_names_the_bad_field()
    {
        var package = TestModels.AddOne(TestModels.TempDirectory("raw"));
        var e = Assert.Throws<BadInputException>(() => Predict(package, """{"data": [1, 2, "three", 4]}"""u8.ToArray()));
        Assert.Contains("'data' element 2", e.Message);
        e = Assert.Throws<BadInputException>(() => Predict(package, """{"data": [1, 2, 3]}"""u8.ToArray()));
        Assert.Contains("3 elements", e.Message);
    }

    [Fact]
    public void Tensors_concatenate_and_split_along_the_batch()
    {
        var a = NamedTensor.Float32("x", [1, 2], [1, 2]);
        var b = NamedTensor.Float32("x", [2, 2], [3, 4, 5, 6]);
        var joined = NamedTensor.Concat([a, b]);
        Assert.Equal([3, 2], joined.Shape);
        Assert.Equal([3f, 4f, 5f, 6f], (float[])joined.SliceRows(1, 2).Data);
        Assert.Throws<ArgumentException>(() => NamedTensor.Concat([a, NamedTensor.Float32("x", [1, 3], [1, 2, 3])]));
    }
}
