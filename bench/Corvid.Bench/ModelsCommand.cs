using System.Diagnostics;
using System.Globalization;
using Corvid.Tensors;
using Corvid.Vision;

namespace Corvid.Bench;

/// <summary>
/// `corvid-bench models`: ResNet18 inference against ONNX Runtime and PyTorch, and training steps against
/// PyTorch, with the same rounds and medians as the kernel benchmark.
/// </summary>
internal static class ModelsCommand
{
    public static void Run(Options options, string repo)
    {
        string onnxPath = ResNet18Onnx.PackagedModelPath;
        string torchWeights = Path.Combine(Path.GetTempPath(), $"corvid-bench-resnet18-{Environment.ProcessId}.safetensors");
        if (options.RunTorch) ExportTorchWeights(repo, onnxPath, torchWeights);
        var cases = ModelCases.All(onnxPath, torchWeights).Where(c => options.Filter is null
            || c.Name.Contains(options.Filter, StringComparison.OrdinalIgnoreCase) || c.Group.Contains(options.Filter, StringComparison.OrdinalIgnoreCase)).ToList();
        string script = Path.Combine(repo, "bench", "torch_models.py");

        Console.WriteLine($"# Corvid models vs ONNX Runtime and PyTorch, {Environment.ProcessorCount} logical cores, {options.Rounds} rounds of {options.Samples} samples");
        Console.WriteLine();
        Console.WriteLine("| case | threads | Corvid ms | Corvid rate | ONNX Runtime ms | Corvid/ORT | PyTorch ms | PyTorch rate | Corvid/PyTorch |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        string torchVersion = "not run";
        string agreement = options.RunTorch && cases.Any(c => c.Group == "resnet18")
            ? ResNet18Agreement.Check(script, onnxPath, torchWeights) : "";
        try
        {
            foreach (int threads in options.Threads)
            {
                Torch.NumThreads = threads;
                var corvid = cases.ToDictionary(c => c.Name, _ => new List<double>());
                var ort = cases.ToDictionary(c => c.Name, _ => new List<double>());
                var torch = cases.ToDictionary(c => c.Name, _ => new List<double>());
                // Rounds alternate the engines so load from elsewhere on the shared machine hits all alike.
                for (int round = 0; round < options.Rounds; round++)
                {
                    foreach (var c in cases)
                    {
                        Torch.ManualSeed(0);
                        corvid[c.Name].Add(Timing.MedianSeconds(c.Setup(), options.Samples, options.MinSampleSeconds));
                        GC.Collect();
                        if (c.OnnxRuntimeSetup is { } setup)
                            ort[c.Name].Add(Timing.MedianSeconds(setup(threads), options.Samples, options.MinSampleSeconds));
                        string peer = ort[c.Name].Count > 0 ? $", ONNX Runtime {ort[c.Name][^1] * 1e3:F2} ms" : "";
                        Console.Error.WriteLine($"round {round} threads {threads} {c.Name}: Corvid {corvid[c.Name][^1] * 1e3:F2} ms{peer}");
                    }
                    if (!options.RunTorch) continue;
                    (torchVersion, var seconds) = TorchRunner.Run(script, cases.Select(c => c.ForTorch()).ToList(), threads, options.Samples, options.MinSampleSeconds);
                    foreach (var (name, value) in seconds) torch[name].Add(value);
                }
                foreach (var c in cases) Console.WriteLine(Row(c, threads, corvid[c.Name], ort[c.Name], torch[c.Name]));
            }
        }
        finally
        {
            File.Delete(torchWeights);
        }
        Console.WriteLine();
        Console.WriteLine($"PyTorch {torchVersion} (OPENBLAS_CORETYPE=SkylakeX, OPENBLAS_NUM_THREADS=OMP_NUM_THREADS=threads, torch.set_num_threads(threads)); "
            + $"ONNX Runtime {typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.GetName().Version} (CPU provider, default graph optimisations, intra-op threads = threads); .NET {Environment.Version}.");
        if (agreement.Length > 0) Console.WriteLine(agreement);
        Console.WriteLine("Rates are items per second (images, samples, tasks or steps); a ratio is the peer's time over Corvid's: above 1 means Corvid is faster.");
    }

    private static string Row(ModelCase c, int threads, List<double> corvid, List<double> ort, List<double> torch)
    {
        double mine = Timing.Median(corvid);
        string Ms(List<double> v) => v.Count == 0 ? "" : F(Timing.Median(v) * 1e3, 2);
        string Ratio(List<double> v) => v.Count == 0 ? "" : F(Timing.Median(v) / mine, 2) + "x";
        string Rate(double seconds) => F(c.Items / seconds, 1) + " " + c.Unit;
        string torchRate = torch.Count == 0 ? "" : Rate(Timing.Median(torch));
        return $"| {c.Name} | {threads} | {F(mine * 1e3, 2)} | {Rate(mine)} | {Ms(ort)} | {Ratio(ort)} | {Ms(torch)} | {torchRate} | {Ratio(torch)} |";
    }

    /// <summary>tools/resnet18_onnx_to_safetensors.py: the ONNX initializers under torchvision names, for the PyTorch ResNet18.</summary>
    private static void ExportTorchWeights(string repo, string onnxPath, string output)
    {
        var start = new ProcessStartInfo(TorchRunner.Python) { RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(repo, "tools", "resnet18_onnx_to_safetensors.py"));
        start.ArgumentList.Add(onnxPath);
        start.ArgumentList.Add(output);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {TorchRunner.Python}");
        string errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"resnet18_onnx_to_safetensors.py exited with {process.ExitCode}: {errors}");
    }

    private static string F(double value, int decimals) => value.ToString("F" + decimals, CultureInfo.InvariantCulture);
}
