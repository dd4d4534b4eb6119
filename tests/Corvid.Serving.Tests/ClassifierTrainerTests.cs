using Corvid.Serving.Engine;
using Corvid.Serving.Handlers;
using Corvid.Serving.Models;
using Corvid.Serving.Runtimes;

namespace Corvid.Serving.Tests;

/// <summary>Training with Corvid's engine on the committed 200-image sample: seconds, no dataset install.</summary>
public class ClassifierTrainerTests
{
    private static readonly TrainingOptions Quick = new() { Epochs = 4, BatchSize = 20, LearningRate = 2e-3, Seed = 1, MaxSteps = 30, EvalBatchSize = 100 };

    private static ClassifierTrainer.Result Train(TrainingOptions options)
    {
        var sample = FashionMnistFiles.Sample();
        return new ClassifierTrainer(FashionMnist.SmallCnn(), options).Train(sample, sample);
    }

    [Fact]
    public void A_few_steps_lower_the_loss_and_the_written_folder_loads_and_classifies()
    {
        var progress = new List<TrainingProgress>();
        var sample = FashionMnistFiles.Sample();
        var result = new ClassifierTrainer(FashionMnist.SmallCnn(), Quick).Train(sample, sample, new SyncProgress(progress.Add));

        Assert.Equal(30, result.StepLosses.Count);
        Assert.Equal(Enumerable.Range(1, 30), progress.Select(p => p.Step));
        Assert.All(progress, p => Assert.Equal(30, p.TotalSteps));
        var first = result.StepLosses.Take(5).Average(s => s.Loss);
        var last = result.StepLosses.TakeLast(5).Average(s => s.Loss);
        Assert.True(last < first * 0.8, $"loss went from {first:F3} to {last:F3}");
        Assert.Equal(3, result.Epochs.Count); // 10 steps per epoch over 200 images, cut at 30 steps
        Assert.InRange(result.TestAccuracy, 0.3, 1.0);

        var store = TestModels.TempDirectory("trained");
        var definition = FashionMnist.SmallCnn();
        var manifest = ServableModelFolder.ClassifierManifest("quick", definition, result.Mean, result.Std);
        ServableModelFolder.Write(Path.Combine(store, "quick"), manifest, definition, result.Network, FashionMnist.Labels);
        Assert.Equal(["quick"], Directory.GetDirectories(store).Select(Path.GetFileName)); // no temporary folder left

        var package = ModelPackage.FromDirectory(Path.Combine(store, "quick"));
        Assert.Equal(result.Mean, package.Manifest.Image!.Mean[0]);
        using var model = ModelRuntimes.Default().Get(package.Manifest.Runtime).Load(package);
        using var executor = model.CreateExecutor(1);
        var handler = ModelHandlers.Get(package.Manifest.Handler);
        var context = new HandlerContext("quick", model.Inputs, model.Outputs, package.ReadLabels(), package.Manifest.Image);
        var answer = handler.Postprocess(executor.Run(handler.Preprocess(FashionMnistFiles.Png("sample-0.png"), "image/png", context)), context).AsObject();
        Assert.Equal(5, answer.Count);
        Assert.All(answer, kv => Assert.Contains(kv.Key, FashionMnist.Labels));

        // The served model gives what the trainer's own evaluation gives on the same images.
        var (_, accuracy) = new ClassifierTrainer(definition, Quick).Evaluate(result.Network, sample, result.Mean, result.Std);
        Assert.Equal(result.TestAccuracy, accuracy);
    }

    [Fact]
    public void The_same_seed_gives_the_same_weights_and_another_seed_does_not()
    {
        var options = Quick with { MaxSteps = 4 };
        var a = Train(options).Network.StateDict();
        var b = Train(options).Network.StateDict();
        var c = Train(options with { Seed = 2 }).Network.StateDict();
        Assert.All(a, kv => Assert.Equal(kv.Value.ToArrayAny(), b[kv.Key].ToArrayAny()));
        Assert.NotEqual(a["0.weight"].ToArray(), c["0.weight"].ToArray());
    }

    [Fact]
    public void A_definition_whose_input_does_not_fit_the_images_is_refused()
    {
        var definition = ModelDefinition.Parse(
            """{"format": "corvid.sequential/1", "input": {"name": "image", "shape": [3, 32, 32]}, "output": "logits", "layers": [{"type": "flatten"}]}""", "cifar.json");
        var sample = FashionMnistFiles.Sample();
        var e = Assert.Throws<ArgumentException>(() => new ClassifierTrainer(definition, Quick).Train(sample, sample));
        Assert.Contains("cifar.json: input shape [3, 32, 32] does not fit the 28x28 grayscale images", e.Message);
    }

    [Fact]
    public void Writing_again_replaces_the_folder_whole()
    {
        var store = TestModels.TempDirectory("replace");
        var target = Path.Combine(store, "m");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "stale.txt"), "from an older run");
        var definition = FashionMnist.SmallCnn();
        ServableModelFolder.Write(target, ServableModelFolder.ClassifierManifest("m", definition, 0.5f, 0.25f), definition, definition.Build(), FashionMnist.Labels);
        Assert.False(File.Exists(Path.Combine(target, "stale.txt")));
        Assert.Equal(["labels.txt", "manifest.json", "model.json", "model.safetensors"], Directory.GetFiles(target).Select(Path.GetFileName).Order());
        Assert.Single(Directory.GetDirectories(store));
    }

    private sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}

internal static class TensorValues
{
    /// <summary>Values as doubles whatever the element type (num_batches_tracked is int64).</summary>
    public static double[] ToArrayAny(this Corvid.Tensors.Tensor t) =>
        t.DType == Corvid.Tensors.DType.Float32 ? t.ToArray().Select(v => (double)v).ToArray() : t.ToLongArray().Select(v => (double)v).ToArray();
}
