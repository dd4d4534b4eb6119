using System.Diagnostics;

namespace Corvid.Cli.ServingBench;

/// <summary>
/// The article's <c>spawn_jobs(total_images, max_concurrent)</c>: one OS process per image, each loading the
/// model itself with one thread, at most <c>maxConcurrent</c> alive at once.
/// </summary>
internal static class DecentralizedRun
{
    public sealed record JobTimings(double StartupMs, double LoadMs, double InferMs, double TotalMs);

    public static async Task<(ExperimentRow Row, List<JobTimings> Jobs)> RunAsync(
        string corvidDll, string modelDirectory, string imagePath, int images, int maxConcurrent, Action<int> progress)
    {
        var latencies = new List<double>();
        var jobs = new List<JobTimings>();
        var errors = 0;
        var next = 0;
        var done = 0;
        var gate = new object();
        await using var sampler = new ProcessTreeSampler(Environment.ProcessId, includeRoot: false);
        var clock = Stopwatch.StartNew();

        async Task Slot()
        {
            while (true)
            {
                int index;
                lock (gate)
                {
                    if (next >= images) return;
                    index = next++;
                }
                var started = Stopwatch.GetTimestamp();
                var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                start.ArgumentList.Add(corvidDll);
                foreach (var arg in new[] { "bench", "serve-job", "--model", modelDirectory, "--image", imagePath, "--threads", "1" }) start.ArgumentList.Add(arg);
                // Like the article's OMP_NUM_THREADS=1: nothing in the job may spread over the cores.
                start.Environment["DOTNET_gcServer"] = "0";
                start.Environment["DOTNET_GCHeapCount"] = "1";
                using var process = Process.Start(start)!;
                var output = process.StandardOutput.ReadToEndAsync();
                var error = process.StandardError.ReadToEndAsync();
                await process.WaitForExitAsync();
                var latency = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                var timings = (await output).Split('\n').Select(ServeJob.Parse).FirstOrDefault(t => t is not null);
                await error;
                lock (gate)
                {
                    latencies.Add(latency);
                    if (process.ExitCode != 0 || timings is null) errors++;
                    else jobs.Add(new JobTimings(timings.Value.StartupMs, timings.Value.LoadMs, timings.Value.InferMs, timings.Value.TotalMs));
                    progress(++done);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, maxConcurrent).Select(_ => Task.Run(Slot)));
        var seconds = clock.Elapsed.TotalSeconds;
        var (p50, p95, p99) = ExperimentRow.Percentiles(latencies);
        var row = new ExperimentRow($"decentralized, {maxConcurrent} concurrent job(s)", "decentralized", maxConcurrent, images, seconds,
            p50, p95, p99, sampler.PeakCpuPercent, sampler.PeakMemoryMb, errors);
        return (row, jobs);
    }
}
