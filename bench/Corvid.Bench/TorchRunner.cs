using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Corvid.Bench;

/// <summary>
/// Runs bench/torch_kernels.py in a child process on the same cases and reads back its medians.
/// </summary>
/// <remarks>
/// Debian's PyTorch calls OpenBLAS for matmul, and <c>torch.set_num_threads</c> does not reach
/// OpenBLAS's own thread pool, so the thread count is also passed as <c>OPENBLAS_NUM_THREADS</c>
/// (and <c>OMP_NUM_THREADS</c> for oneDNN's convolutions): without it, "1 thread" matmul uses every core.
/// <c>OPENBLAS_CORETYPE=SkylakeX</c> makes OpenBLAS use its AVX-512 kernels (the machine's
/// environment says Haswell).
/// </remarks>
public static class TorchRunner
{
    public const string Python = "/usr/bin/python3";

    public static (string Version, Dictionary<string, double> Seconds) Run(
        string script, IReadOnlyList<BenchCase> cases, int threads, int samples, double minSampleSeconds)
    {
        var spec = new JsonObject
        {
            ["threads"] = new JsonArray(threads),
            ["samples"] = samples,
            ["min_sample_seconds"] = minSampleSeconds,
            ["cases"] = new JsonArray(cases.Select(c => (JsonNode)c.TorchSpec.DeepClone()).ToArray()),
        };
        string specPath = Path.Combine(Path.GetTempPath(), $"corvid-bench-{Environment.ProcessId}.json");
        File.WriteAllText(specPath, spec.ToJsonString());
        try
        {
            var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(script);
            start.ArgumentList.Add(specPath);
            start.Environment["OPENBLAS_CORETYPE"] = "SkylakeX";
            start.Environment["OPENBLAS_NUM_THREADS"] = threads.ToString();
            start.Environment["OMP_NUM_THREADS"] = threads.ToString();
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Python}");
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"{script} exited with {process.ExitCode}: {stderr.Result}");
            var result = JsonNode.Parse(stdout)!;
            var seconds = result["results"]!.AsArray().ToDictionary(r => (string)r!["name"]!, r => (double)r!["seconds"]!);
            return ((string)result["torch"]!, seconds);
        }
        finally
        {
            File.Delete(specPath);
        }
    }
}
