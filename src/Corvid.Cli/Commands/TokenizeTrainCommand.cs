using System.CommandLine;
using System.Diagnostics;
using Corvid.Text;
using Corvid.Text.Training;
using Spectre.Console;

namespace Corvid.Cli;

/// <summary><c>corvid tokenize train</c>: learn a byte-level BPE vocabulary and write it as a .tiktoken file.</summary>
internal static class TokenizeTrainCommand
{
    public static Command Create()
    {
        var input = new Option<FileInfo[]>("--input", "-i")
        {
            Description = "Training text (UTF-8); repeat for several files. No piece spans two files.",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var vocabSize = new Option<int>("--vocab-size", "-n")
        {
            Description = "Mergeable tokens to learn, counting the 256 single bytes (special tokens get the ids after).",
            Required = true,
        };
        var output = new Option<FileInfo>("--output", "-o")
        {
            Description = "The .tiktoken rank file to write; its split pattern and special tokens go to <output>.json beside it.",
            Required = true,
        };
        var pattern = new Option<string>("--pattern")
        {
            Description = "Split pattern: cl100k_base (GPT-4, the default), o200k_base, r50k_base, or a .NET regular expression.",
            DefaultValueFactory = _ => "cl100k_base",
        };
        var special = new Option<string[]>("--special")
        {
            Description = "Special token strings (default <|endoftext|>); they are cut out of the training text.",
            DefaultValueFactory = _ => ["<|endoftext|>"],
            AllowMultipleArgumentsPerToken = true,
        };
        var minCount = new Option<int>("--min-count")
        {
            Description = "Stop early when the most frequent pair occurs fewer times than this.",
            DefaultValueFactory = _ => 2,
        };
        var command = new Command("train",
            "Train a byte-level BPE vocabulary (GPT-4 style) on text files and write it as a .tiktoken rank file that "
            + "'corvid tokenize encode --encoding FILE' (and OpenAI's tiktoken) can use. "
            + "Ties between equally frequent pairs go to the pair with the smaller token ids, so training is deterministic.")
        {
            input, vocabSize, output, pattern, special, minCount,
        };
        command.SetAction(parse => TokenizeCommand.Run(() =>
        {
            var files = parse.GetValue(input)!;
            var target = parse.GetValue(output)!;
            var options = new BpeTrainerOptions
            {
                VocabularySize = parse.GetValue(vocabSize),
                Pattern = SplitPattern.Parse(parse.GetValue(pattern)!),
                SpecialTokens = parse.GetValue(special) ?? [],
                MinPairCount = Math.Max(1, parse.GetValue(minCount)),
                Name = Path.GetFileNameWithoutExtension(target.Name),
            };
            var clock = Stopwatch.StartNew();
            var texts = files.Select(f => TokenizeCommand.ReadText(f)).ToList();
            long bytes = files.Sum(f => f.Length);
            double readSeconds = clock.Elapsed.TotalSeconds;

            TrainedVocabulary vocabulary = null!;
            AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .Start(context =>
                {
                    var counting = context.AddTask("counting pieces", maxValue: 1);
                    var merging = context.AddTask("learning merges", maxValue: Math.Max(1, options.VocabularySize - 256));
                    var progress = new SynchronousProgress(p =>
                    {
                        var task = p.Stage == "counting" ? counting : merging;
                        task.MaxValue = Math.Max(1, p.Total);
                        task.Value = p.Done;
                    });
                    vocabulary = BpeTrainer.Train(texts, options, progress);
                    counting.Value = counting.MaxValue;
                    merging.Value = merging.MaxValue;
                });
            vocabulary.Save(target.FullName);

            double seconds = clock.Elapsed.TotalSeconds;
            AnsiConsole.MarkupLine(
                $"Learned [bold]{vocabulary.Merges.Count}[/] merges ({vocabulary.TokenBytes.Count} tokens) from "
                + $"{bytes / 1e6:F1} MB in {seconds:F1} s ({bytes / 1e6 / Math.Max(1e-9, seconds - readSeconds):F1} MB/s).");
            if (vocabulary.TokenBytes.Count < options.VocabularySize)
                AnsiConsole.MarkupLine($"[yellow]Stopped before {options.VocabularySize}: no pair occurs {options.MinPairCount} or more times.[/]");
            AnsiConsole.MarkupLine($"Wrote {Markup.Escape(target.FullName)} and {Markup.Escape(TokenizerDefinition.PathFor(target.FullName))}.");
            if (vocabulary.SpecialTokens.Count > 0)
                AnsiConsole.MarkupLine("Special tokens: " + Markup.Escape(string.Join(", ", vocabulary.SpecialTokens.Select(p => $"{p.Key} = {p.Value}"))));
            return 0;
        }));
        return command;
    }

    /// <summary>Reports on the training thread (Progress&lt;T&gt; would post to a thread pool and lag).</summary>
    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        private readonly Lock _gate = new();

        public void Report(TrainingProgress value)
        {
            lock (_gate) report(value);
        }
    }
}
