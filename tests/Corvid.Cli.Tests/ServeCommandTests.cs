using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Corvid.Cli.Tests;

/// <summary>The real <c>corvid serve</c> process: start on a free port, answer, drain on SIGTERM, exit 0.</summary>
public class ServeCommandTests
{
    [Fact]
    public void Help_explains_the_server_and_its_options()
    {
        var result = CorvidProcess.Run("serve", "--help");
        Assert.Equal(0, result.ExitCode);
        foreach (var option in new[] { "--host", "--port", "--models", "--workers", "--batch-size", "--batch-delay", "--inference-key", "--management-key", "--drain-timeout" })
        {
            Assert.Contains(option, result.StdOut);
        }
        Assert.Contains("127.0.0.1", result.StdOut);
    }

    [Fact]
    public async Task Serves_the_default_model_and_drains_in_flight_requests_on_sigterm()
    {
        // A batch delay of 2 s keeps the request in flight while SIGTERM arrives.
        await using var serve = await ServeProcess.StartAsync("--port", "0", "--batch-size", "8", "--batch-delay", "2000");
        Assert.Contains("/predictions/resnet18", serve.Banner);
        Assert.Contains("curl", serve.Banner);
        using var client = new HttpClient { BaseAddress = serve.Address };

        var models = JsonNode.Parse(await client.GetStringAsync("/models"))!;
        Assert.Equal("resnet18", models["models"]![0]!["modelName"]!.GetValue<string>());

        var image = TinyPng();
        var inFlight = client.PostAsync("/predictions/resnet18", new ByteArrayContent(image));
        await Task.Delay(500);

        serve.SendSigterm();
        var response = await inFlight;
        var exitCode = await serve.WaitForExitAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(512, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsArray().Count);
        Assert.Equal(0, exitCode);
        Assert.Contains("Draining", serve.Output);
    }

    [Fact]
    public void A_models_folder_that_does_not_exist_is_named()
    {
        var result = CorvidProcess.Run("serve", "--port", "0", "--models", "/no/such/folder");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("/no/such/folder", result.StdErr);
    }

    private static byte[] TinyPng()
    {
        using var bitmap = new SkiaSharp.SKBitmap(64, 48);
        bitmap.Erase(new SkiaSharp.SKColor(200, 100, 50));
        using var data = SkiaSharp.SKImage.FromBitmap(bitmap).Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private sealed class ServeProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly System.Text.StringBuilder _output = new();

        private ServeProcess(Process process) => _process = process;

        public Uri Address { get; private set; } = null!;
        public string Banner { get; private set; } = "";
        public string Output
        {
            get { lock (_output) return _output.ToString(); }
        }

        public static async Task<ServeProcess> StartAsync(params string[] args)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "corvid.dll"));
            start.ArgumentList.Add("serve");
            foreach (var arg in args) start.ArgumentList.Add(arg);
            start.Environment["NO_COLOR"] = "1";
            var serve = new ServeProcess(Process.Start(start)!);
            serve._process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (serve._output) serve._output.AppendLine(e.Data); };
            serve._process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (serve._output) serve._output.AppendLine(e.Data); };
            serve._process.BeginOutputReadLine();
            serve._process.BeginErrorReadLine();

            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
            while (DateTime.UtcNow < deadline)
            {
                var text = serve.Output;
                var match = Regex.Match(text, @"serving on (http://\S+)");
                if (match.Success && text.Contains("SIGTERM"))
                {
                    serve.Address = new Uri(match.Groups[1].Value);
                    serve.Banner = text;
                    return serve;
                }
                if (serve._process.HasExited) throw new InvalidOperationException($"corvid serve exited early: {text}");
                await Task.Delay(50);
            }
            throw new TimeoutException($"corvid serve printed no address: {serve.Output}");
        }

        public void SendSigterm() => Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();

        public async Task<int> WaitForExitAsync()
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            await _process.WaitForExitAsync(cts.Token);
            return _process.ExitCode;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
            _process.Dispose();
        }
    }
}
