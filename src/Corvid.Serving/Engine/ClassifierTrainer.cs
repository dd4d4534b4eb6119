using Corvid.Nn;
using Corvid.Nn.Optim;
using Corvid.Tensors;
using Corvid.Tensors.Autograd;

namespace Corvid.Serving.Engine;

/// <summary>
/// Trains a <see cref="ModelDefinition"/> as an image classifier with Corvid's engine: shuffled minibatches,
/// cross entropy, Adam or SGD, inputs normalised with the training set's pixel mean and std (the same numbers
/// the served model's image pipeline gets), test accuracy after each epoch. Seeded end to end: the engine's
/// kernels give the same result for any thread count, so a seed and the data fix the weights.
/// </summary>
public sealed class ClassifierTrainer(ModelDefinition definition, TrainingOptions options)
{
    public sealed record Result(Sequential Network, float Mean, float Std, IReadOnlyList<(int Step, double Loss)> StepLosses,
        IReadOnlyList<EpochSummary> Epochs)
    {
        public double TestAccuracy => Epochs[^1].TestAccuracy;
    }

    public Result Train(LabelledImages train, LabelledImages test, IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default)
    {
        options.Validate();
        int[] expected = [1, train.Height, train.Width];
        if (!definition.InputShape.SequenceEqual(expected) || test.Height != train.Height || test.Width != train.Width)
        {
            throw new ArgumentException($"{definition.Source}: input shape {ShapeText.Format(definition.InputShape)} does not fit the {train.Height}x{train.Width} grayscale images of {train.Source} (needs {ShapeText.Format(expected)})");
        }
        var generator = new Generator(options.Seed);
        var network = definition.Build(generator);
        var outputShape = definition.OutputShape(network);
        var classes = outputShape.Length == 2 ? outputShape[1] : throw new ArgumentException($"{definition.Source}: the output has shape {ShapeText.Format(outputShape)}; a classifier outputs [N, classes]");
        var maxLabel = train.Labels.Concat(test.Labels).Max();
        if (maxLabel >= classes) throw new ArgumentException($"{definition.Source}: the output has {classes} classes but the data has label {maxLabel}");

        var (mean, std) = train.PixelStatistics();
        Optimizer optimizer = options.Optimizer == "sgd"
            ? new SGD(network.Parameters(), options.LearningRate, momentum: options.Momentum)
            : new Adam(network.Parameters(), options.LearningRate);
        var shuffle = new Generator(options.Seed + 1);
        var stepsPerEpoch = (train.Count + options.BatchSize - 1) / options.BatchSize;
        var totalSteps = Math.Min(stepsPerEpoch * options.Epochs, options.MaxSteps ?? int.MaxValue);
        var pixels = new float[options.BatchSize * train.PixelsPerImage];
        var targets = new long[options.BatchSize];
        var stepLosses = new List<(int, double)>();
        var epochs = new List<EpochSummary>();
        var step = 0;
        for (var epoch = 1; epoch <= options.Epochs && step < totalSteps; epoch++)
        {
            network.Train();
            var order = Array.ConvertAll(Tensor.RandPerm(train.Count, shuffle).ToLongArray(), i => (int)i);
            double lossSum = 0;
            var batches = 0;
            for (var start = 0; start < train.Count && step < totalSteps; start += options.BatchSize)
            {
                cancel.ThrowIfCancellationRequested();
                var indices = order.AsSpan(start, Math.Min(options.BatchSize, train.Count - start));
                var loss = Step(network, optimizer, train, indices, pixels, targets, mean, std);
                step++;
                batches++;
                lossSum += loss;
                stepLosses.Add((step, loss));
                progress?.Report(new TrainingProgress(epoch, step, totalSteps, loss));
            }
            var (testLoss, accuracy) = Evaluate(network, test, mean, std);
            epochs.Add(new EpochSummary(epoch, step, lossSum / batches, testLoss, accuracy));
        }
        network.Eval();
        return new Result(network, mean, std, stepLosses, epochs);
    }

    private static double Step(Sequential network, Optimizer optimizer, LabelledImages data, ReadOnlySpan<int> indices, float[] pixels, long[] targets, float mean, float std)
    {
        var n = indices.Length;
        var length = n * data.PixelsPerImage;
        data.Normalize(indices, pixels.AsSpan(0, length), mean, std);
        for (var i = 0; i < n; i++) targets[i] = data.Labels[indices[i]];
        var x = Tensor.FromArray(n == targets.Length ? pixels : pixels[..length], n, 1, data.Height, data.Width);
        var y = Tensor.FromArray(n == targets.Length ? targets : targets[..n], n);
        var loss = F.CrossEntropy(network.Forward(x), y);
        optimizer.ZeroGrad();
        loss.Backward();
        optimizer.Step();
        return loss.Item();
    }

    /// <summary>Mean cross entropy and accuracy over <paramref name="data"/>, in eval mode, recording no graph.</summary>
    public (double Loss, double Accuracy) Evaluate(Sequential network, LabelledImages data, float mean, float std)
    {
        var training = network.Training;
        network.Eval();
        try
        {
            using var noGrad = GradMode.NoGrad();
            double lossSum = 0;
            var correct = 0;
            var all = Enumerable.Range(0, data.Count).ToArray();
            for (var start = 0; start < data.Count; start += options.EvalBatchSize)
            {
                var indices = all.AsSpan(start, Math.Min(options.EvalBatchSize, data.Count - start));
                var pixels = new float[indices.Length * data.PixelsPerImage];
                data.Normalize(indices, pixels, mean, std);
                var targets = new long[indices.Length];
                for (var i = 0; i < indices.Length; i++) targets[i] = data.Labels[indices[i]];
                var logits = network.Forward(Tensor.FromArray(pixels, indices.Length, 1, data.Height, data.Width));
                lossSum += F.CrossEntropy(logits, Tensor.FromArray(targets, indices.Length), reduction: Reduction.Sum).Item();
                correct += CountCorrect(logits.ToArray(), logits.Size(1), targets);
            }
            return (lossSum / data.Count, (double)correct / data.Count);
        }
        finally
        {
            network.Train(training);
        }
    }

    /// <summary>Rows whose largest logit is at the target's index (the first largest, as argmax).</summary>
    public static int CountCorrect(ReadOnlySpan<float> logits, int classes, ReadOnlySpan<long> targets)
    {
        var correct = 0;
        for (var row = 0; row < targets.Length; row++)
        {
            var values = logits.Slice(row * classes, classes);
            var best = 0;
            for (var c = 1; c < classes; c++) if (values[c] > values[best]) best = c;
            if (best == targets[row]) correct++;
        }
        return correct;
    }
}
