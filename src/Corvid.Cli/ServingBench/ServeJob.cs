using System.Diagnostics;
using System.Globalization;
using Corvid.Serving.Handlers;
using Corvid.Serving.Models;
using Corvid.Serving.Runtimes;
using Corvid.Serving.Tensors;

namespace Corvid.Cli.ServingBench;

/// <summary>
/// One decentralized job, as the article's <c>predict(image_id)</c>: load the model with one thread, read and
/// preprocess the image, run it once, and exit. Prints one line of timings for the experiment to collect.
/// </summary>
internal static class ServeJob
{
    public static int Run(string modelDirectory, string imagePath, int threads)
    {
        var sinceStart = DateTime.Now - Process.GetCurrentProcess().StartTime;
        var clock = Stopwatch.StartNew();
        var package = ModelPackage.FromDirectory(modelDirectory);
        using var model = ModelRuntimes.Default().Get(package.Manifest.Runtime).Load(package);
        using var executor = model.CreateExecutor(threads);
        var loadMs = clock.Elapsed.TotalMilliseconds;

        clock.Restart();
        var handler = ModelHandlers.Get(package.Manifest.Handler);
        var context = new HandlerContext(package.Manifest.Name, model.Inputs, model.Outputs, package.ReadLabels());
        var inputs = handler.Preprocess(File.ReadAllBytes(imagePath), null, context);
        var outputs = executor.Run(inputs);
        var answer = handler.Postprocess(outputs, context);
        var inferMs = clock.Elapsed.TotalMilliseconds;

        var totalMs = (DateTime.Now - Process.GetCurrentProcess().StartTime).TotalMilliseconds;
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"job startupMs={sinceStart.TotalMilliseconds:0.0} loadMs={loadMs:0.0} inferMs={inferMs:0.0} totalMs={totalMs:0.0} outputs={answer.ToJsonString().Length}"));
        return 0;
    }

    public static (double StartupMs, double LoadMs, double InferMs, double TotalMs)? Parse(string line)
    {
        if (!line.StartsWith("job ", StringComparison.Ordinal)) return null;
        var values = line[4..].Split(' ').Select(p => p.Split('=')).Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => double.Parse(p[1], CultureInfo.InvariantCulture));
        return (values["startupMs"], values["loadMs"], values["inferMs"], values["totalMs"]);
    }
}
