using System.CommandLine;
using System.Globalization;
using Corvid.Cli.ServingBench;
using Corvid.Serving.Models;
using SkiaSharp;
using Spectre.Console;

namespace Corvid.Cli;

/// <summary>
/// <c>corvid bench serve</c>: the experiment of "The Case for Centralized AI Model Inference Serving" on this
/// machine — decentralized jobs against <c>corvid serve</c>, with batching and workers, and the in-process ceiling.
/// </summary>
internal static class BenchServeCommand
{
    public static Command Create()
    {
        var images = new Option<int>("--images") { Description = "Images per centralized row and for the ceiling (the article used 1,000).", DefaultValueFactory = _ => 1000 };
        var decentralizedImages = new Option<int>("--decentralized-images") { Description = "Images per decentralized row: one process each, so fewer keep the run short; images/s is what is compared.", DefaultValueFactory = _ => 200 };
        var concurrency = new Option<int>("--concurrency") { Description = "Requests in flight from the client process in centralized rows (the article ran 100 jobs at once).", DefaultValueFactory = _ => 100 };
        var jobs = new Option<string>("--jobs") { Description = "Comma-separated maximum numbers of concurrent decentralized jobs to try (the article's max_concurrent).", DefaultValueFactory = _ => "1,2,4" };
        var image = new Option<string?>("--image") { Description = "The image every job classifies (JPEG or PNG). Default: a 640×480 JPEG drawn by the command." };
        var output = new Option<string>("--output") { Description = "Where to write the report; the chart goes beside it with the extension .png.", DefaultValueFactory = _ => Path.Combine("docs", "serving-experiment.md") };
        var quick = new Option<bool>("--quick") { Description = "A one-minute smoke run: few images and only some rows (the report says so)." };

        var command = new Command("serve",
            "Reproduce the experiment of \"The Case for Centralized AI Model Inference Serving\": the same image pipeline "
            + "(ResNet18 via ONNX Runtime) run as one OS process per image that loads the model with one thread (decentralized, "
            + "at several maximum concurrencies), against `corvid serve` called by concurrent clients from this process "
            + "(centralized), with dynamic batching (batch 8 / 100 ms and tuned settings) and with 2 and 4 workers; plus the "
            + "ceiling: the same model batched in-process with no HTTP. Reports images/s, p50/p95/p99 latency, peak CPU and "
            + "memory of each process tree and the speed-up over the best decentralized row, in docs/serving-experiment.md "
            + "with a chart. The full run takes about 15 minutes on 2 cores. Example: corvid bench serve --quick")
        {
            images, decentralizedImages, concurrency, jobs, image, output, quick,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var isQuick = parse.GetValue(quick);
            var settings = new Settings(
                Images: isQuick ? 120 : parse.GetValue(images),
                DecentralizedImages: isQuick ? 12 : parse.GetValue(decentralizedImages),
                Concurrency: parse.GetValue(concurrency),
                Jobs: parse.GetValue(jobs)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(j => int.Parse(j, CultureInfo.InvariantCulture)).ToArray(),
                ImagePath: parse.GetValue(image),
                Output: parse.GetValue(output)!,
                Quick: isQuick);
            return await RunAsync(settings, "corvid " + string.Join(' ', parse.Tokens.Select(t => t.Value)));
        });
        return command;
    }

    /// <summary>The hidden job process of the decentralized rows: load, predict one image, exit.</summary>
    public static Command CreateJob()
    {
        var model = new Option<string>("--model") { Required = true, Description = "Model folder." };
        var image = new Option<string>("--image") { Required = true, Description = "Image file." };
        var threads = new Option<int>("--threads") { DefaultValueFactory = _ => 1, Description = "Intra-op threads." };
        var command = new Command("serve-job", "One decentralized job of `corvid bench serve`: load the model, predict one image, print timings.")
        {
            model, image, threads,
        };
        command.Hidden = true;
        command.SetAction(parse => ServeJob.Run(parse.GetValue(model)!, parse.GetValue(image)!, parse.GetValue(threads)));
        return command;
    }

    private const int SaturationPairs = 3;

    private sealed record Settings(int Images, int DecentralizedImages, int Concurrency, int[] Jobs, string? ImagePath, string Output, bool Quick);

    private static async Task<int> RunAsync(Settings s, string commandLine)
    {
        var corvidDll = Path.Combine(AppContext.BaseDirectory, "corvid.dll");
        var modelDirectory = EmbeddedModels.ResNet18().Directory;
        var imagePath = s.ImagePath ?? DrawImage();
        var imageBytes = await File.ReadAllBytesAsync(imagePath);
        var (width, height) = ImageSize(imageBytes);
        var cores = Environment.ProcessorCount;

        var centralizedSettings = new List<CentralizedRun.ServerSettings>
        {
            new(1, 1, 0),
            new(1, 8, 100),
            new(1, 8, 10),
            new(1, 4, 5),
            new(2, 1, 0),
            new(2, 8, 100),
            new(2, 4, 5),
            new(4, 8, 100),
        };
        if (s.Quick) centralizedSettings = [new(1, 1, 0), new(1, 8, 100), new(2, 4, 5)];
        var jobs = s.Quick ? s.Jobs.Take(1).ToArray() : s.Jobs;

        var rows = new List<ExperimentRow>();
        var pairs = new List<(ExperimentRow Server, ExperimentRow Ceiling)>();
        var timings = new List<DecentralizedRun.JobTimings>();
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async progress =>
            {
                var decTasks = jobs.Select(j => progress.AddTask($"decentralized, {j} concurrent", maxValue: s.DecentralizedImages, autoStart: false)).ToList();
                var cenTasks = centralizedSettings.Select(c => progress.AddTask(Markup.Escape($"centralized, {c.Describe()}"), maxValue: s.Images, autoStart: false)).ToList();
                var ceilTasks = new[] { (1, cores), (cores, 1) }.Select(c => progress.AddTask($"in-process ceiling {c.Item1}×{c.Item2}", maxValue: s.Images, autoStart: false)).ToList();
                var pairTask = progress.AddTask("server vs ceiling, alternating", maxValue: 2 * SaturationPairs, autoStart: false);

                for (var i = 0; i < jobs.Length; i++)
                {
                    var task = decTasks[i];
                    task.StartTask();
                    var (row, jobTimings) = await DecentralizedRun.RunAsync(corvidDll, modelDirectory, imagePath, s.DecentralizedImages, jobs[i], done => task.Value = done);
                    rows.Add(row);
                    timings.AddRange(jobTimings);
                    task.StopTask();
                }
                for (var i = 0; i < centralizedSettings.Count; i++)
                {
                    var task = cenTasks[i];
                    task.StartTask();
                    rows.Add(await CentralizedRun.RunAsync(corvidDll, imageBytes, s.Images, s.Concurrency, centralizedSettings[i], done => task.Value = done));
                    task.StopTask();
                }
                var ceilings = new[] { (Workers: 1, Threads: cores), (Workers: cores, Threads: 1) };
                for (var i = 0; i < ceilings.Length; i++)
                {
                    var task = ceilTasks[i];
                    task.StartTask();
                    rows.Add(InProcessCeiling.Run(modelDirectory, imageBytes, s.Images, ceilings[i].Workers, ceilings[i].Threads, 8, done => task.Value = done));
                    task.StopTask();
                }

                // The machine is shared, so background load drifts between rows. The saturation ratio is taken from
                // back-to-back pairs: the best server setting, then the ceiling on the same threads, three times.
                pairTask.StartTask();
                var best = centralizedSettings[rows.Where(r => r.Kind == "centralized").Select((r, i) => (r, i)).MaxBy(x => x.r.ImagesPerSecond).i];
                var threads = best.Threads ?? Math.Max(1, cores / best.Workers);
                for (var i = 0; i < SaturationPairs; i++)
                {
                    var server = await CentralizedRun.RunAsync(corvidDll, imageBytes, s.Images, s.Concurrency, best, _ => { });
                    pairTask.Increment(1);
                    var ceiling = InProcessCeiling.Run(modelDirectory, imageBytes, s.Images, best.Workers, threads, 8, _ => { });
                    pairTask.Increment(1);
                    pairs.Add((server, ceiling));
                }
                pairTask.StopTask();
            });

        var output = Path.GetFullPath(s.Output);
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        ExperimentReport.Write(output, rows, new ExperimentReport.Context(
            commandLine + (s.Quick ? "   (quick smoke run: not the full experiment)" : ""), CpuModel(), cores, s.Images, s.DecentralizedImages, s.Concurrency,
            s.ImagePath is null ? $"a {width}×{height} JPEG drawn by the command" : $"{Path.GetFileName(imagePath)} ({width}×{height})",
            timings, pairs, DateTimeOffset.UtcNow));

        var table = new Table().Border(TableBorder.Rounded).AddColumns("setup", "images/s", "p50 ms", "p99 ms", "peak CPU %", "peak MB");
        foreach (var r in rows)
        {
            table.AddRow(Markup.Escape(r.Setup), F(r.ImagesPerSecond), F(r.P50Ms), F(r.P99Ms), F(r.PeakCpuPercent), F(r.PeakMemoryMb));
        }
        AnsiConsole.Write(table);
        Console.Out.WriteLine($"report: {output}");
        return rows.Any(r => r.Errors > 0) ? 1 : 0;
    }

    private static string F(double v) => double.IsNaN(v) ? "-" : v.ToString("0.0", CultureInfo.InvariantCulture);

    /// <summary>A 640×480 photo-like JPEG (gradient sky, shapes, noise) standing in for the article's kitten.jpg.</summary>
    private static string DrawImage()
    {
        var path = Path.Combine(Path.GetTempPath(), "corvid-bench-serve.jpg");
        using var bitmap = new SKBitmap(640, 480);
        using (var canvas = new SKCanvas(bitmap))
        {
            using var sky = new SKPaint { Shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(0, 480), [new SKColor(90, 140, 220), new SKColor(240, 200, 150)], SKShaderTileMode.Clamp) };
            canvas.DrawRect(0, 0, 640, 480, sky);
            using var paint = new SKPaint { IsAntialias = true, Color = new SKColor(200, 120, 60) };
            canvas.DrawOval(320, 300, 160, 120, paint);
            paint.Color = new SKColor(40, 40, 40);
            canvas.DrawCircle(270, 270, 18, paint);
            canvas.DrawCircle(370, 270, 18, paint);
            var random = new Random(7);
            for (var i = 0; i < 400; i++)
            {
                paint.Color = new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256), 60);
                canvas.DrawCircle(random.Next(640), random.Next(480), random.Next(2, 12), paint);
            }
        }
        using var data = SKImage.FromBitmap(bitmap).Encode(SKEncodedImageFormat.Jpeg, 90);
        File.WriteAllBytes(path, data.ToArray());
        return path;
    }

    private static (int Width, int Height) ImageSize(byte[] bytes)
    {
        using var codec = SKCodec.Create(new MemoryStream(bytes)) ?? throw new ArgumentException("--image: not an image SkiaSharp can decode");
        return (codec.Info.Width, codec.Info.Height);
    }

    private static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? "unknown CPU" : line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
    }
}
