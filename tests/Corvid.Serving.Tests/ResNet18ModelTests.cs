using Corvid.Serving.Handlers;
using Corvid.Serving.Models;
using Corvid.Serving.Runtimes;
using Corvid.Serving.Tensors;
using Microsoft.ML.OnnxRuntime;
using SkiaSharp;

namespace Corvid.Serving.Tests;

/// <summary>The embedded default model: the NuGet package's ResNet18 with a dynamic batch and torchvision input.</summary>
public class ResNet18ModelTests
{
    private static readonly Lazy<ILoadedModel> Model = new(() => ModelRuntimes.Default().Get("onnx").Load(EmbeddedModels.ResNet18()));

    [Fact]
    public void Signature_has_a_free_batch_and_512_features()
    {
        var input = Assert.Single(Model.Value.Inputs);
        Assert.Equal("image", input.Name);
        Assert.Equal([-1, 3, 224, 224], input.Shape);
        var output = Assert.Single(Model.Value.Outputs);
        Assert.Equal([-1, 512], output.Shape);
    }

    [Fact]
    public void A_batch_of_three_gives_each_image_its_own_embedding()
    {
        var images = new[] { TestImages.Pattern(), TestImages.Solid(new SKColor(10, 200, 30)), TestImages.Fixture("landscape.png") };
        var rows = images.Select(i => NamedTensor.Float32("image", [1, 3, 224, 224], ImagePreprocessor.Preprocess(i))).ToList();
        using var executor = Model.Value.CreateExecutor(1);

        var batched = (float[])executor.Run([NamedTensor.Concat(rows)])[0].Data;
        Assert.Equal(3 * 512, batched.Length);
        for (var i = 0; i < 3; i++)
        {
            var single = (float[])executor.Run([rows[i]])[0].Data;
            for (var j = 0; j < 512; j++) Assert.Equal(single[j], batched[i * 512 + j], 1e-3f);
        }
        // Different images, different features.
        Assert.NotEqual(batched[..512], batched[512..1024]);
    }

    [Fact]
    public void Equals_the_packages_own_pipeline_of_preprocess_onnx_then_resnet18_onnx()
    {
        // The package's pipeline takes RGB in 0..255; recover that from the torchvision tensor.
        var tensor = ImagePreprocessor.Preprocess(TestImages.Fixture("photo.jpg"));
        var raw = new float[tensor.Length];
        for (var c = 0; c < 3; c++)
            for (var i = 0; i < 224 * 224; i++)
                raw[c * 224 * 224 + i] = MathF.Round((tensor[c * 224 * 224 + i] * ResNet18Featurizer.ImageNetStd[c] + ResNet18Featurizer.ImageNetMean[c]) * 255f);

        var root = Path.Combine(AppContext.BaseDirectory, "DnnImageModels");
        using var prep = new InferenceSession(Path.Combine(root, "ResNetPrepOnnx", "ResNetPreprocess.onnx"));
        using var net = new InferenceSession(Path.Combine(root, "ResNet18Onnx", "ResNet18.onnx"));
        using var rawValue = OrtValue.CreateTensorValueFromMemory(raw, [1, 3, 224, 224]);
        using var prepOut = prep.Run(new RunOptions(), ["OriginalInput"], [rawValue], prep.OutputNames);
        using var netOut = net.Run(new RunOptions(), [net.InputNames[0]], [prepOut[0]], net.OutputNames);
        var expected = netOut[0].GetTensorDataAsSpan<float>().ToArray();

        using var executor = Model.Value.CreateExecutor(1);
        var actual = (float[])executor.Run([NamedTensor.Float32("image", [1, 3, 224, 224], tensor)])[0].Data;

        Assert.Equal(512, expected.Length);
        var scale = expected.Max(Math.Abs);
        var maxDiff = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(maxDiff <= 1e-3f * scale + 1e-3f, $"largest difference {maxDiff} against features of magnitude {scale}");
    }

    [Fact]
    public void Workers_with_the_same_thread_budget_share_one_session()
    {
        var model = (Runtimes.Onnx.OnnxLoadedModel)ModelRuntimes.Default().Get("onnx").Load(EmbeddedModels.ResNet18());
        using (model)
        {
            using var a = model.CreateExecutor(1);
            using var b = model.CreateExecutor(1);
            Assert.Equal(1, model.LiveSessions);
            using (model.CreateExecutor(2))
            {
                Assert.Equal(2, model.LiveSessions);
            }
            Assert.Equal(1, model.LiveSessions);
        }
    }
}
