using System.CommandLine;
using Corvid.Server;
using Corvid.Serving.Scheduling;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Corvid.Cli;

/// <summary><c>corvid serve</c>: the centralized inference server.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var host = new Option<string>("--host") { Description = "Address to bind. Loopback by default; use 0.0.0.0 only behind a firewall or with API keys.", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "TCP port for every API (inference, management, KServe v2, metrics); 0 picks a free one.", DefaultValueFactory = _ => 8080 };
        var models = new Option<string?>("--models") { Description = "Model store folder: its model folders and .zip/.mar archives load at start, and registration (POST /models?url=NAME) accepts only its entries. Without it, registration is off." };
        var noDefault = new Option<bool>("--no-default-model") { Description = "Do not serve the embedded resnet18." };
        var workers = new Option<int?>("--workers") { Description = "Workers for resnet18 (default 1). Workers share one copy of the weights; each gets cores/workers intra-op threads." };
        var batchSize = new Option<int?>("--batch-size") { Description = "Largest batch for resnet18 (default 1: no batching)." };
        var batchDelay = new Option<double?>("--batch-delay") { Description = "Milliseconds a batch may wait for more requests, counted from the oldest request's arrival (default 0)." };
        var queueSize = new Option<int?>("--queue-size") { Description = "Requests resnet18 may queue before answering 503 with Retry-After (default 100)." };
        var threads = new Option<int?>("--threads") { Description = "Intra-op threads per worker for resnet18 (default: logical cores / workers)." };
        var timeout = new Option<double?>("--response-timeout") { Description = "Seconds before a request is answered 504 (default 120)." };
        var inferenceKey = new Option<string?>("--inference-key") { Description = "Require this key on inference and KServe v2 calls (Authorization: Bearer KEY). Also read from CORVID_INFERENCE_KEY." };
        var managementKey = new Option<string?>("--management-key") { Description = "Require this key on management calls (/models). Also read from CORVID_MANAGEMENT_KEY." };
        var maxRequest = new Option<long>("--max-request-size") { Description = "Largest request body in bytes; bigger bodies get 413.", DefaultValueFactory = _ => 16L * 1024 * 1024 };
        var drain = new Option<double>("--drain-timeout") { Description = "On SIGTERM or Ctrl+C: seconds accepted requests may take to finish before exit.", DefaultValueFactory = _ => 30 };

        var command = new Command("serve",
            "Start Corvid's inference server: TorchServe-compatible inference (POST /predictions/{model}) and management "
            + "(/models) APIs, the KServe v2 / Triton HTTP protocol (/v2/...) and Prometheus metrics (/metrics), on one port. "
            + "It serves the embedded ResNet18 image-embedding model as 'resnet18' (512 numbers per image) with nothing else "
            + "installed, plus every model in --models. Each model version has a bounded queue, dynamic batching and workers "
            + "that share one copy of the weights. Example: corvid serve --port 8080, then curl -T cat.jpg http://127.0.0.1:8080/predictions/resnet18")
        {
            host, port, models, noDefault, workers, batchSize, batchDelay, queueSize, threads, timeout, inferenceKey, managementKey, maxRequest, drain,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new ServerOptions
            {
                Host = parse.GetValue(host)!,
                Port = parse.GetValue(port),
                ModelStore = parse.GetValue(models),
                LoadDefaultModel = !parse.GetValue(noDefault),
                DefaultWorkers = parse.GetValue(workers),
                DefaultBatchSize = parse.GetValue(batchSize),
                DefaultBatchDelayMs = parse.GetValue(batchDelay),
                DefaultQueueSize = parse.GetValue(queueSize),
                DefaultIntraOpThreads = parse.GetValue(threads),
                DefaultResponseTimeoutSeconds = parse.GetValue(timeout),
                InferenceKey = parse.GetValue(inferenceKey) ?? NonEmpty(Environment.GetEnvironmentVariable("CORVID_INFERENCE_KEY")),
                ManagementKey = parse.GetValue(managementKey) ?? NonEmpty(Environment.GetEnvironmentVariable("CORVID_MANAGEMENT_KEY")),
                MaxRequestBytes = parse.GetValue(maxRequest),
                DrainTimeoutSeconds = parse.GetValue(drain),
            };
            return await RunAsync(options);
        });
        return command;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static async Task<int> RunAsync(ServerOptions options)
    {
        if (options.ModelStore is not null && !Directory.Exists(options.ModelStore))
        {
            await Console.Error.WriteLineAsync($"corvid serve: --models '{options.ModelStore}' is not a folder");
            return 2;
        }
        CorvidServer server;
        try
        {
            server = AnsiConsole.Status().Start("Loading models…", status =>
                CorvidServer.Create(options, ConfigureLogging, message => status.Status(Markup.Escape(message))));
        }
        catch (Exception e) when (e is Corvid.Serving.ModelLoadException or IOException or ArgumentException)
        {
            await Console.Error.WriteLineAsync($"corvid serve: {e.Message}");
            return 1;
        }
        await using (server)
        {
            try
            {
                await server.StartAsync();
            }
            catch (IOException e)
            {
                await Console.Error.WriteLineAsync($"corvid serve: cannot listen on {options.Host}:{options.Port}: {e.Message}");
                return 1;
            }
            PrintBanner(server);
            // Returns after SIGTERM or Ctrl+C, once the drain has finished.
            await server.WaitForShutdownAsync();
        }
        Console.Out.WriteLine("corvid serve: stopped");
        return 0;
    }

    private static void ConfigureLogging(ILoggingBuilder logging)
    {
        logging.AddSimpleConsole(o => o.SingleLine = true);
        logging.SetMinimumLevel(LogLevel.Warning);
        logging.AddFilter("Corvid", LogLevel.Information);
    }

    private static void PrintBanner(CorvidServer server)
    {
        var address = server.Addresses.FirstOrDefault() ?? "?";
        var options = server.State.Options;
        Console.Out.WriteLine($"Corvid is serving on {address}");
        foreach (var model in server.State.Registry.All.OrderBy(m => m.Name, StringComparer.Ordinal))
        {
            var workers = model.Workers;
            var threads = workers.Count > 0 ? workers[0].IntraOpThreads : 0;
            var state = model.State == ModelState.Ready ? "ready" : $"FAILED: {model.Error}";
            Console.Out.WriteLine(
                $"  {model.Name} {model.Version}  {model.Manifest.Handler} ({model.Manifest.Runtime})  {workers.Count} worker(s) x {threads} thread(s)  "
                + $"batch {model.MaxBatchSize} / {model.MaxBatchDelayMs:0.#} ms  queue {model.QueueCapacity}  {state}");
        }
        var auth = options.InferenceKey is null ? "" : " -H \"Authorization: Bearer $CORVID_INFERENCE_KEY\"";
        var example = server.State.Registry.Find("resnet18") is not null ? "resnet18" : server.State.Registry.Names.FirstOrDefault() ?? "MODEL";
        Console.Out.WriteLine();
        Console.Out.WriteLine("Send requests (any JPEG, PNG or WebP image):");
        Console.Out.WriteLine($"  curl{auth} -T image.jpg {address}/predictions/{example}");
        Console.Out.WriteLine($"  curl {address}/models             # management: list, describe, register, scale");
        Console.Out.WriteLine($"  curl {address}/v2/models/{example}   # KServe v2 / Triton metadata; POST .../infer with JSON tensors");
        Console.Out.WriteLine($"  curl {address}/metrics            # Prometheus");
        Console.Out.WriteLine("Ctrl+C or SIGTERM drains in-flight requests, then stops.");
        Console.Out.Flush();
    }
}
