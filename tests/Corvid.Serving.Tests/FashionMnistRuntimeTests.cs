using System.Text.Json.Nodes;
using Corvid.Serving.Engine;
using Corvid.Serving.Handlers;
using Corvid.Serving.Models;
using Corvid.Serving.Runtimes;
using Corvid.Serving.Tensors;

namespace Corvid.Serving.Tests;

/// <summary>
/// The committed Fashion-MNIST model through the <c>corvid</c> runtime, checked against PyTorch running the same
/// safetensors in the same architecture (reference.json from tools/fashion_mnist_fixtures.py).
/// </summary>
public class FashionMnistRuntimeTests
{
    private const float Tolerance = 2e-4f;

    private static ModelPackage Package() => ModelPackage.FromDirectory(FashionMnistFiles.ModelDirectory);

    private static ILoadedModel Load(ModelPackage package) => ModelRuntimes.Default().Get(package.Manifest.Runtime).Load(package);

    private static NamedTensor SampleBatch(ModelPackage package, int start, int count)
    {
        var sample = FashionMnistFiles.Sample();
        var pipeline = package.Manifest.ImagePipeline();
        var data = new float[count * 28 * 28];
        sample.Normalize(Enumerable.Range(start, count).ToArray(), data, pipeline.Mean[0], pipeline.Std[0]);
        return NamedTensor.Float32("image", [count, 1, 28, 28], data);
    }

    private static void AssertClose(float[] expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            var limit = Tolerance * Math.Max(1, Math.Abs(expected[i]));
            Assert.True(Math.Abs(expected[i] - actual[i]) <= limit, $"{what}[{i}]: PyTorch {expected[i]}, Corvid {actual[i]}");
        }
    }

    [Fact]
    public void The_model_folder_is_a_corvid_runtime_classifier_for_28x28_grayscale_images()
    {
        var package = Package();
        Assert.Equal("corvid", package.Manifest.Runtime);
        Assert.Equal("image-classifier", package.Manifest.Handler);
        var pipeline = package.Manifest.ImagePipeline();
        Assert.True(pipeline.Grayscale);
        Assert.Equal((28, 28), (pipeline.Resize, pipeline.Crop));
        Assert.Equal(FashionMnistFiles.Reference["mean"]!.GetValue<float>(), pipeline.Mean[0]);
        Assert.Equal(FashionMnistFiles.Reference["std"]!.GetValue<float>(), pipeline.Std[0]);
        Assert.True(new FileInfo(package.WeightsPath).Length < 1_000_000, "the test model's weights stay under 1 MB");

        using var model = Load(package);
        Assert.Equal("image FP32 [-1,1,28,28]", model.Inputs.Single().ToString());
        Assert.Equal("logits FP32 [-1,10]", model.Outputs.Single().ToString());
    }

    [Fact]
    public void Logits_on_the_test_sample_match_PyTorch_and_so_does_the_accuracy()
    {
        var package = Package();
        using var model = Load(package);
        using var executor = model.CreateExecutor(1);
        var count = FashionMnistFiles.Reference["count"]!.GetValue<int>();
        var logits = (float[])executor.Run([SampleBatch(package, 0, count)])[0].Data;
        for (var i = 0; i < count; i++)
        {
            AssertClose(FashionMnistFiles.ReferenceLogits(i), logits.AsSpan(i * 10, 10), $"image {i} logits");
        }
        var targets = FashionMnistFiles.Reference["targets"]!.AsArray().Select(t => (long)t!.GetValue<int>()).ToArray();
        var accuracy = (double)ClassifierTrainer.CountCorrect(logits, 10, targets) / count;
        Assert.Equal(FashionMnistFiles.Reference["accuracy"]!.GetValue<double>(), accuracy, 6);
        Assert.True(accuracy >= 0.85, $"accuracy on the sample is {accuracy}");
    }

    [Fact]
    public void Workers_share_one_network_and_batched_rows_equal_single_rows_from_several_threads()
    {
        var package = Package();
        using var model = Load(package);
        var batch = (float[])model.CreateExecutor(1).Run([SampleBatch(package, 0, 16)])[0].Data;
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var threads = Enumerable.Range(0, 3).Select(t => new Thread(() =>
        {
            using var executor = model.CreateExecutor(1);
            for (var round = 0; round < 5; round++)
            {
                for (var i = t; i < 16; i += 3)
                {
                    var row = (float[])executor.Run([SampleBatch(package, i, 1)])[0].Data;
                    for (var c = 0; c < 10; c++)
                    {
                        if (Math.Abs(row[c] - batch[i * 10 + c]) > 1e-4f) failures.Add($"image {i} class {c}: {row[c]} alone, {batch[i * 10 + c]} in the batch");
                    }
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Empty(failures);
    }

    [Fact]
    public void PNG_requests_give_PyTorch_top5_through_the_configured_grayscale_pipeline()
    {
        var package = Package();
        using var model = Load(package);
        using var executor = model.CreateExecutor(1);
        var handler = ModelHandlers.Get(package.Manifest.Handler);
        var context = new HandlerContext(package.Manifest.Name, model.Inputs, model.Outputs, package.ReadLabels(), package.Manifest.Image);
        var answers = FashionMnistFiles.Reference["png"]!.AsObject();
        Assert.True(answers.Count >= 6);
        foreach (var (file, expected) in answers)
        {
            var outputs = executor.Run(handler.Preprocess(FashionMnistFiles.Png(file), "image/png", context));
            AssertClose(expected!["logits"]!.AsArray().Select(v => v!.GetValue<float>()).ToArray(), (float[])outputs[0].Data, file);
            var result = handler.Postprocess(outputs, context).AsObject();
            var top5 = expected["top5"]!.AsArray();
            Assert.Equal(top5.Select(t => t!["label"]!.GetValue<string>()), result.Select(kv => kv.Key));
            foreach (var t in top5)
            {
                Assert.Equal(t!["probability"]!.GetValue<float>(), result[t["label"]!.GetValue<string>()]!.GetValue<float>(), 4);
            }
        }
    }

    [Fact]
    public void An_image_handler_refuses_a_pipeline_that_does_not_fit_the_model_input()
    {
        var package = Package();
        using var model = Load(package);
        var rgb = new ImagePreprocessing { Resize = 28, Crop = 28 };
        var context = new HandlerContext("fashion-mnist", model.Inputs, model.Outputs, package.ReadLabels(), rgb);
        var e = Assert.Throws<InvalidOperationException>(() => ModelHandlers.Get("image-classifier").Preprocess(FashionMnistFiles.Png("sample-0.png"), null, context));
        Assert.Contains("(N,3,28,28)", e.Message);
        Assert.Contains("[-1,1,28,28]", e.Message);
    }
}
