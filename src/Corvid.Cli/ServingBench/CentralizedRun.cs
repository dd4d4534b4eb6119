using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace Corvid.Cli.ServingBench;

/// <summary>
/// The article's centralized setup: <c>corvid serve</c> in its own process, and this process as the jobs,
/// sending each image with <c>concurrency</c> requests in flight (the article's 100 concurrent jobs).
/// </summary>
internal static class CentralizedRun
{
    public sealed record ServerSettings(int Workers, int BatchSize, double BatchDelayMs, int? Threads = null)
    {
        public string Describe() =>
            $"{Workers} worker(s){(Threads is { } t ? $" × {t} thread(s)" : "")}, " + (BatchSize == 1 ? "no batching" : $"batch {BatchSize} / {BatchDelayMs:0.#} ms");
    }

    public static async Task<ExperimentRow> RunAsync(string corvidDll, byte[] image, int images, int concurrency, ServerSettings settings, Action<int> progress)
    {
        var args = new List<string>
        {
            corvidDll, "serve", "--port", "0", "--workers", settings.Workers.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--batch-size", settings.BatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--batch-delay", settings.BatchDelayMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--queue-size", Math.Max(100, concurrency).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (settings.Threads is { } threads) args.AddRange(["--threads", threads.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        var start = new ProcessStartInfo("dotnet", args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["NO_COLOR"] = "1";
        using var server = Process.Start(start)!;
        try
        {
            var address = await WaitForAddressAsync(server);
            using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
            {
                BaseAddress = address,
                Timeout = TimeSpan.FromMinutes(5),
            };
            // Warm the server as a long-running service would be: first runs pay one-off costs.
            for (var i = 0; i < 8; i++) (await PostAsync(client, image)).Dispose();

            var latencies = new List<double>(images);
            var errors = 0;
            var next = 0;
            var gate = new object();
            await using var sampler = new ProcessTreeSampler(server.Id, includeRoot: true);
            var clientCpu = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
            {
                while (Interlocked.Increment(ref next) <= images)
                {
                    var started = Stopwatch.GetTimestamp();
                    using var response = await PostAsync(client, image);
                    await response.Content.ReadAsByteArrayAsync();
                    var latency = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    lock (gate)
                    {
                        latencies.Add(latency);
                        if (!response.IsSuccessStatusCode) errors++;
                        progress(latencies.Count);
                    }
                }
            }));
            var seconds = clock.Elapsed.TotalSeconds;
            // The load generator shares the machine's cores with the server; its average CPU goes in the report.
            var clientPercent = 100 * (Process.GetCurrentProcess().TotalProcessorTime - clientCpu).TotalSeconds / seconds;
            var (p50, p95, p99) = ExperimentRow.Percentiles(latencies);
            return new ExperimentRow($"centralized, {settings.Describe()}", "centralized", concurrency, images, seconds, p50, p95, p99,
                sampler.PeakCpuPercent, sampler.PeakMemoryMb, errors, clientPercent);
        }
        finally
        {
            if (!server.HasExited)
            {
                Process.Start("kill", ["-TERM", server.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
                if (!server.WaitForExit(TimeSpan.FromSeconds(30))) server.Kill(entireProcessTree: true);
            }
        }
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, byte[] image)
    {
        var content = new ByteArrayContent(image);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return client.PostAsync("/predictions/resnet18", content);
    }

    private static async Task<Uri> WaitForAddressAsync(Process server)
    {
        var seen = new System.Text.StringBuilder();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            var line = await server.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(2));
            if (line is null) break;
            seen.AppendLine(line);
            var match = Regex.Match(line, @"serving on (http://\S+)");
            if (match.Success)
            {
                // Keep draining the server's output so it never blocks on a full pipe.
                _ = server.StandardOutput.ReadToEndAsync();
                _ = server.StandardError.ReadToEndAsync();
                return new Uri(match.Groups[1].Value);
            }
        }
        throw new InvalidOperationException($"corvid serve did not start: {seen}{await server.StandardError.ReadToEndAsync()}");
    }
}
