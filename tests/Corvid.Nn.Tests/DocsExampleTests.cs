using Corvid.Nn.Optim;
using Corvid.Tensors;
using Corvid.Tensors.Autograd;

namespace Corvid.Nn.Tests;

/// <summary>The training loop of docs/nn.md, on a small synthetic task, so the guide's code stays real.</summary>
public sealed class DocsExampleTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "corvid-nn-docs-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    /// <summary>Images whose class is which half (top or bottom) is brighter: [B, 1, 8, 8] and int64 labels [B].</summary>
    private static List<(Tensor Images, Tensor Labels)> Batches(int count, Generator g)
    {
        var batches = new List<(Tensor, Tensor)>();
        for (int b = 0; b < count; b++)
        {
            var labels = Tensor.RandInt(0, 2, [16], g);
            var rows = Tensor.Arange(0f, 8f).Reshape(1, 1, 8, 1);
            var top = rows.Lt(4f).Float();
            var bright = Tensor.Where(labels.Reshape(16, 1, 1, 1).Eq(1f), top, 1f - top);
            batches.Add((bright + 0.3f * Tensor.Randn([16, 1, 8, 8], g), labels));
        }
        return batches;
    }

    [Fact]
    public void The_guides_training_loop_learns_and_checkpoints()
    {
        var g = new Generator(4);
        var batches = Batches(8, g);
        const int epochs = 3;

        var model = new Sequential(
            new Conv2d(1, 8, 3, padding: 1, generator: g), new BatchNorm2d(8), new ReLU(), new MaxPool2d(2),
            new Flatten(), new Dropout(0.1f, g), new Linear(8 * 4 * 4, 2, generator: g));
        var optimizer = new AdamW(model.Parameters(), lr: 1e-3, weightDecay: 0.01);
        var scheduler = new OneCycleLR(optimizer, maxLr: 1e-2, epochs: epochs, stepsPerEpoch: batches.Count);

        var losses = new List<float>();
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            model.Train();
            foreach (var (images, labels) in batches)
            {
                optimizer.ZeroGrad();
                var loss = F.CrossEntropy(model.Forward(images), labels);
                loss.Backward();
                GradClipping.ClipGradNorm(model.Parameters(), maxNorm: 1.0);
                optimizer.Step();
                scheduler.Step();
                losses.Add(loss.Item());
            }
            model.Save(Path.Combine(_folder, $"epoch{epoch}.safetensors"));
        }

        model.Eval();
        var test = Batches(4, new Generator(99));
        int correct = 0;
        using (GradMode.NoGrad())
            foreach (var (images, labels) in test)
                correct += (int)model.Forward(images).Argmax(1).Eq(labels).Float().Sum().Item();

        Assert.True(losses.TakeLast(8).Average() < 0.5 * losses.Take(8).Average(), $"loss did not fall: {string.Join(", ", losses)}");
        Assert.True(correct >= 0.9 * 64, $"{correct} of 64 test images right");

        var restored = new Sequential(
            new Conv2d(1, 8, 3, padding: 1), new BatchNorm2d(8), new ReLU(), new MaxPool2d(2), new Flatten(), new Dropout(0.1f), new Linear(8 * 4 * 4, 2));
        restored.Load(Path.Combine(_folder, $"epoch{epochs - 1}.safetensors"));
        restored.Eval();
        Assert.Equal(model.Forward(test[0].Images).ToArray(), restored.Forward(test[0].Images).ToArray());
    }
}
