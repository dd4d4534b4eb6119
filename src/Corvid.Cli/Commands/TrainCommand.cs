using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Corvid.Serving.Engine;
using Corvid.Serving;
using Corvid.Serving.Models;
using Corvid.Tensors;
using Spectre.Console;

namespace Corvid.Cli;

/// <summary><c>corvid train</c>: train an image classifier with Corvid's engine on IDX data and write a servable model folder.</summary>
internal static class TrainCommand
{
    public const string PlotFile = "training.png";

    public static Command Create()
    {
        var data = new Option<DirectoryInfo>("--data", "-d")
        {
            Description = "Folder with the IDX files {split}-images-idx3-ubyte and {split}-labels-idx1-ubyte (optionally .gz), "
                + $"as MNIST and Fashion-MNIST ship them. Default: {FashionMnist.DebianDirectory} (apt-get install dataset-fashion-mnist).",
            DefaultValueFactory = _ => new DirectoryInfo(FashionMnist.DebianDirectory),
        };
        var trainSplit = new Option<string>("--train-split") { Description = "Prefix of the training files.", DefaultValueFactory = _ => "train" };
        var testSplit = new Option<string>("--test-split") { Description = "Prefix of the test files the accuracy is measured on.", DefaultValueFactory = _ => "t10k" };
        var definition = new Option<FileInfo?>("--definition")
        {
            Description = "Model definition (JSON list of layers, see docs/train.md). Default: a small CNN (two conv blocks, about 106 k parameters).",
        };
        var output = new Option<DirectoryInfo>("--output", "-o")
        {
            Description = "Model folder to write (replaced whole if it exists): manifest.json, model.safetensors, model.json, labels.txt, training.png.",
            Required = true,
        };
        var name = new Option<string?>("--name") { Description = "Model name in the manifest (what /predictions/{name} uses). Default: the output folder's name." };
        var labels = new Option<string>("--labels")
        {
            Description = "Class names: 'fashion-mnist', 'digits', or a text file with one name per line.",
            DefaultValueFactory = _ => "fashion-mnist",
        };
        var epochs = new Option<int>("--epochs", "-e") { Description = "Passes over the training set.", DefaultValueFactory = _ => 3 };
        var batchSize = new Option<int>("--batch-size", "-b") { Description = "Images per optimizer step.", DefaultValueFactory = _ => 64 };
        var lr = new Option<double>("--lr") { Description = "Learning rate.", DefaultValueFactory = _ => 1e-3 };
        var optimizer = new Option<string>("--optimizer") { Description = "adam or sgd (momentum 0.9).", DefaultValueFactory = _ => "adam" };
        var seed = new Option<ulong>("--seed") { Description = "Seeds the initial weights, dropout and shuffling: the same seed and data give the same model.", DefaultValueFactory = _ => 0UL };
        var maxSteps = new Option<int?>("--max-steps") { Description = "Stop after this many optimizer steps (a quick trial run)." };
        var threads = new Option<int>("--threads")
        {
            Description = "Threads for the engine's kernels. Results do not depend on it.",
            DefaultValueFactory = _ => Environment.ProcessorCount,
        };
        var command = new Command("train",
            "Train an image classifier with Corvid's own engine (autograd, Adam/SGD, cross entropy) on MNIST-style IDX data, "
            + "report its test accuracy and write a model folder that 'corvid serve --models DIR' serves with the corvid runtime "
            + "(TorchServe-style POST of a PNG, or KServe v2 tensors). Also draws the loss and accuracy curves to training.png.")
        {
            data, trainSplit, testSplit, definition, output, name, labels, epochs, batchSize, lr, optimizer, seed, maxSteps, threads,
        };
        command.SetAction(parse =>
        {
            try
            {
                var options = new TrainingOptions
                {
                    Epochs = parse.GetValue(epochs),
                    BatchSize = parse.GetValue(batchSize),
                    LearningRate = parse.GetValue(lr),
                    Optimizer = parse.GetValue(optimizer)!.ToLowerInvariant(),
                    Seed = parse.GetValue(seed),
                    MaxSteps = parse.GetValue(maxSteps),
                };
                options.Validate();
                var threadCount = parse.GetValue(threads);
                if (threadCount < 1) throw new ArgumentException($"--threads is {threadCount}; it must be at least 1");
                Torch.NumThreads = threadCount;
                var target = parse.GetValue(output)!.FullName;
                var modelName = parse.GetValue(name) ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(target));
                if (!ModelManifest.IsSafeName(modelName)) throw new ArgumentException($"model name '{modelName}' may use letters, digits, '-', '_' and '.' only (set --name)");
                return Run(parse.GetValue(data)!.FullName, parse.GetValue(trainSplit)!, parse.GetValue(testSplit)!, parse.GetValue(definition),
                    target, modelName, ReadLabels(parse.GetValue(labels)!), options);
            }
            catch (Exception e) when (e is InvalidDataException or ModelLoadException or ArgumentException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"corvid train: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static int Run(string dataDirectory, string trainSplit, string testSplit, FileInfo? definitionFile, string target, string modelName,
        IReadOnlyList<string> labels, TrainingOptions options)
    {
        var clock = Stopwatch.StartNew();
        var definition = definitionFile is null ? FashionMnist.SmallCnn() : ModelDefinition.Load(definitionFile.FullName);
        var classes = definition.OutputShape(definition.Build())[^1];
        if (labels.Count != classes) throw new ArgumentException($"{labels.Count} labels (--labels) for a model with {classes} outputs");
        var train = LabelledImages.Load(dataDirectory, trainSplit);
        var test = LabelledImages.Load(dataDirectory, testSplit);
        AnsiConsole.MarkupLine($"Training on {train.Count} images ({train.Height}x{train.Width}) from {Markup.Escape(dataDirectory)}, testing on {test.Count}; "
            + $"{options.Optimizer}, lr {options.LearningRate.ToString(CultureInfo.InvariantCulture)}, batch {options.BatchSize}, seed {options.Seed}, {Torch.NumThreads} thread(s).");

        ClassifierTrainer.Result result = null!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask("training", maxValue: 1);
                var progress = new SynchronousProgress(p =>
                {
                    task.MaxValue = p.TotalSteps;
                    task.Value = p.Step;
                    task.Description = $"epoch {p.Epoch} · loss {p.Loss.ToString("0.000", CultureInfo.InvariantCulture)}";
                });
                result = new ClassifierTrainer(definition, options).Train(train, test, progress);
                task.Value = task.MaxValue;
            });

        var table = new Table().AddColumns("epoch", "steps", "train loss", "test loss", "test accuracy");
        foreach (var e in result.Epochs)
        {
            table.AddRow(e.Epoch.ToString(CultureInfo.InvariantCulture), e.Step.ToString(CultureInfo.InvariantCulture),
                e.TrainLoss.ToString("0.0000", CultureInfo.InvariantCulture), e.TestLoss.ToString("0.0000", CultureInfo.InvariantCulture),
                (e.TestAccuracy * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%");
        }
        AnsiConsole.Write(table);

        var accuracy = (result.TestAccuracy * 100).ToString("0.00", CultureInfo.InvariantCulture);
        var manifest = ServableModelFolder.ClassifierManifest(modelName, definition, result.Mean, result.Std);
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["trained_with"] = "corvid train",
            ["test_accuracy"] = result.TestAccuracy.ToString("R", CultureInfo.InvariantCulture),
            ["seed"] = options.Seed.ToString(CultureInfo.InvariantCulture),
            ["steps"] = result.Epochs[^1].Step.ToString(CultureInfo.InvariantCulture),
        };
        ServableModelFolder.Write(target, manifest, definition, result.Network, labels, metadata,
            extras: folder => TrainingCurves.Save(result, Path.Combine(folder, PlotFile), $"{modelName}: test accuracy {accuracy}%"));
        AnsiConsole.MarkupLine($"Test accuracy [bold]{accuracy}%[/] on {test.Count} images after {result.Epochs[^1].Step} steps in {clock.Elapsed.TotalSeconds:F0} s.");
        AnsiConsole.MarkupLine($"Wrote {Markup.Escape(target)} (serve it: corvid serve --models {Markup.Escape(Path.GetDirectoryName(target)!)}); curves in {PlotFile}.");
        return 0;
    }

    private static IReadOnlyList<string> ReadLabels(string labels) => labels switch
    {
        "fashion-mnist" => FashionMnist.Labels,
        "digits" => FashionMnist.DigitLabels,
        _ when File.Exists(labels) => LabelFile.Read(labels),
        _ => throw new ArgumentException($"--labels is '{labels}': not 'fashion-mnist', 'digits' or an existing file"),
    };

    /// <summary>Reports on the training thread, so the bar moves with every step.</summary>
    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
