using Corvid.Server.Endpoints;
using Corvid.Serving;
using Corvid.Serving.Models;
using Corvid.Serving.Runtimes;
using Corvid.Serving.Scheduling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace Corvid.Server;

/// <summary>
/// <c>corvid serve</c>: an ASP.NET Core app with the TorchServe inference and management APIs, the KServe v2
/// protocol and Prometheus metrics, over Corvid.Serving's registry of models.
/// </summary>
public sealed class CorvidServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private CorvidServer(WebApplication app, ServerState state)
    {
        _app = app;
        State = state;
    }

    public ServerState State { get; }

    /// <summary>The addresses Kestrel bound, e.g. <c>http://127.0.0.1:8080</c>; known once started.</summary>
    public IReadOnlyList<string> Addresses =>
        _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];

    public IHostApplicationLifetime Lifetime => _app.Lifetime;

    /// <summary>Loads the models (the embedded default and the store's) and builds the app; <see cref="StartAsync"/> opens the port.</summary>
    /// <param name="runtimes">The model runtimes to offer; default <see cref="ModelRuntimes.Default"/> (onnx). A new runtime
    /// (Corvid's own engine) is added here and needs no change to the scheduler or the APIs.</param>
    public static CorvidServer Create(ServerOptions options, Action<ILoggingBuilder>? logging = null, Action<string>? progress = null, ModelRuntimes? runtimes = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (logging is not null) logging(builder.Logging);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBytes;
            kestrel.AddServerHeader = false;
        });
        builder.WebHost.UseUrls($"http://{FormatHost(options.Host)}:{options.Port}");
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(options.DrainTimeoutSeconds + 10));
        builder.Services.Configure<Microsoft.AspNetCore.Http.Features.FormOptions>(f => f.MultipartBodyLengthLimit = options.MaxRequestBytes);

        var registry = new ModelRegistry(runtimes ?? ModelRuntimes.Default());
        var store = new ModelStore(options.ModelStore);
        var state = new ServerState(registry, store, options);
        builder.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
        builder.Services.AddSingleton(state);
        builder.Services.AddSingleton(registry);
        builder.Services.AddHostedService<ServingLifetime>();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(ServingMetrics.MeterName)
            .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));

        LoadModels(state, progress);

        var app = builder.Build();
        app.MapInference(state);
        app.MapManagement(state);
        app.MapKServe(state);
        app.MapPrometheusScrapingEndpoint("/metrics");
        return new CorvidServer(app, state);
    }

    private static void LoadModels(ServerState state, Action<string>? progress)
    {
        var options = state.Options;
        if (options.LoadDefaultModel)
        {
            progress?.Invoke("loading resnet18 (embedded default)");
            var package = EmbeddedModels.ResNet18();
            var manifest = package.Manifest with
            {
                Workers = options.DefaultWorkers ?? package.Manifest.Workers,
                QueueSize = options.DefaultQueueSize ?? package.Manifest.QueueSize,
                IntraOpThreads = options.DefaultIntraOpThreads ?? package.Manifest.IntraOpThreads,
                ResponseTimeoutSeconds = options.DefaultResponseTimeoutSeconds ?? package.Manifest.ResponseTimeoutSeconds,
                Batching = new BatchingOptions
                {
                    MaxBatchSize = options.DefaultBatchSize ?? package.Manifest.Batching.MaxBatchSize,
                    MaxBatchDelayMs = options.DefaultBatchDelayMs ?? package.Manifest.Batching.MaxBatchDelayMs,
                },
            };
            manifest.Validate("the default model's options");
            state.Registry.Add(package with { Manifest = manifest });
        }
        foreach (var entry in state.Store.ListEntries())
        {
            progress?.Invoke($"loading {entry} from the model store");
            try
            {
                // A broken entry is listed as failed (its requests get 500 with the error); the rest still load.
                state.Registry.Add(state.Store.Open(entry));
            }
            catch (ModelLoadException e)
            {
                progress?.Invoke($"skipped {entry}: {e.Message}");
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken = default) => _app.StartAsync(cancellationToken);

    /// <summary>After <see cref="StartAsync"/>: waits for SIGTERM / Ctrl+C, drains, stops and returns.</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        State.Registry.Dispose();
        State.Store.DeleteExtractedArchives();
    }

    private static string FormatHost(string host) =>
        host.Contains(':') && !host.StartsWith('[') ? $"[{host}]" : host;
}
