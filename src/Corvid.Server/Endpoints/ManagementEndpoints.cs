using System.Globalization;
using Corvid.Serving;
using Corvid.Serving.Models;
using Corvid.Serving.Scheduling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Corvid.Server.Endpoints;

/// <summary>
/// TorchServe's management API (on the same port, behind its own key): list, describe, register, scale,
/// unregister and set the default version. Parameter names are TorchServe's (<c>url</c>, <c>min_worker</c>,
/// <c>batch_size</c>, <c>max_batch_delay</c>, ...).
/// </summary>
internal static class ManagementEndpoints
{
    public static void MapManagement(this IEndpointRouteBuilder app, ServerState state)
    {
        var models = app.MapGroup("/models").AddEndpointFilter(new ApiKeyFilter(state.Options.ManagementKey, "management"));

        models.MapGet("", (int? limit, string? next_page_token) => List(state, limit ?? 100, next_page_token));
        models.MapPost("", (HttpRequest request) => Register(state, request));
        models.MapGet("/{model}", (string model) => Describe(state, model, null));
        models.MapGet("/{model}/{version}", (string model, string version) => Describe(state, model, version));
        models.MapPut("/{model}", (string model, HttpRequest request) => Update(state, model, null, request));
        models.MapPut("/{model}/{version}", (string model, string version, HttpRequest request) => Update(state, model, version, request));
        models.MapDelete("/{model}", (string model) => Unregister(state, model, null));
        models.MapDelete("/{model}/{version}", (string model, string version) => Unregister(state, model, version));
        models.MapPut("/{model}/{version}/set-default", (string model, string version) => SetDefault(state, model, version));
    }

    private static IResult List(ServerState state, int limit, string? nextPageToken)
    {
        var names = state.Registry.Names;
        var start = int.TryParse(nextPageToken, NumberStyles.None, CultureInfo.InvariantCulture, out var token) ? token : 0;
        var page = names.Skip(start).Take(Math.Max(1, limit)).Select(n => new ModelListEntry(n, state.Registry.Find(n)?.Package.Source ?? "")).ToArray();
        var next = start + page.Length < names.Count ? (start + page.Length).ToString(CultureInfo.InvariantCulture) : null;
        return Results.Json(new ModelList(page, next), ServerJson.Default.ModelList);
    }

    private static IResult Describe(ServerState state, string model, string? version)
    {
        IReadOnlyList<ModelVersionHost> hosts = version == "all"
            ? state.Registry.Versions(model)
            : state.Registry.Find(model, version) is { } host ? [host] : [];
        if (hosts.Count == 0) return Errors.Problem(StatusCodes.Status404NotFound, "ModelNotFound", InferenceEndpoints.NotFoundMessage(state, model, version));
        var defaultVersion = state.Registry.DefaultVersion(model);
        return Results.Json(hosts.Select(h => ModelDescription.Of(h, h.Version == defaultVersion)).ToArray(), ServerJson.Default.ModelDescriptionArray);
    }

    private static IResult Register(ServerState state, HttpRequest request)
    {
        var query = request.Query;
        var url = query["url"].ToString();
        ModelPackage package;
        try
        {
            package = state.Store.Open(url);
            var manifest = package.Manifest with
            {
                Name = query.ContainsKey("model_name") ? query["model_name"].ToString() : package.Manifest.Name,
                Workers = Int(query, "initial_workers") ?? package.Manifest.Workers,
                QueueSize = Int(query, "queue_size") ?? package.Manifest.QueueSize,
                ResponseTimeoutSeconds = Double(query, "response_timeout") ?? package.Manifest.ResponseTimeoutSeconds,
                Batching = new BatchingOptions
                {
                    MaxBatchSize = Int(query, "batch_size") ?? package.Manifest.Batching.MaxBatchSize,
                    MaxBatchDelayMs = Double(query, "max_batch_delay") ?? package.Manifest.Batching.MaxBatchDelayMs,
                },
            };
            manifest.Validate($"registration of '{url}'");
            package = package with { Manifest = manifest };
        }
        catch (Exception e) when (e is ModelLoadException or BadHttpRequestException)
        {
            return Errors.Problem(StatusCodes.Status400BadRequest, "ModelLoadFailed", e.Message);
        }

        ModelVersionHost host;
        try
        {
            host = state.Registry.Add(package);
        }
        catch (ModelLoadException e)
        {
            return Errors.Problem(StatusCodes.Status409Conflict, "ModelAlreadyRegistered", e.Message);
        }
        if (host.State == ModelState.Failed)
        {
            // A registration the caller asked for fails loudly; it is not kept half-alive.
            state.Registry.Remove(host.Name, host.Version, TimeSpan.Zero);
            return Errors.Problem(StatusCodes.Status400BadRequest, "ModelLoadFailed", $"model '{host.Name}' from '{url}' failed to load: {host.Error}");
        }
        return Results.Json(new StatusMessage($"Model \"{host.Name}\" Version: {host.Version} registered with {host.Workers.Count} initial workers"), ServerJson.Default.StatusMessage);
    }

    private static IResult Update(ServerState state, string model, string? version, HttpRequest request)
    {
        var host = state.Registry.Find(model, version);
        if (host is null) return Errors.Problem(StatusCodes.Status404NotFound, "ModelNotFound", InferenceEndpoints.NotFoundMessage(state, model, version));
        try
        {
            var query = request.Query;
            var batchSize = Int(query, "batch_size");
            var delay = Double(query, "max_batch_delay");
            if (batchSize is not null || delay is not null)
            {
                host.SetBatching(batchSize ?? host.MaxBatchSize, delay ?? host.MaxBatchDelayMs);
            }
            var workers = Int(query, "min_worker") ?? Int(query, "max_worker");
            if (workers is { } count)
            {
                host.ScaleWorkers(count);
                return Results.Json(new StatusMessage($"Workers scaled to {count} for model: {model}"), ServerJson.Default.StatusMessage);
            }
            return Results.Json(new StatusMessage($"Model \"{model}\" updated: batch size {host.MaxBatchSize}, max batch delay {host.MaxBatchDelayMs} ms"), ServerJson.Default.StatusMessage);
        }
        catch (Exception e) when (e is ArgumentException or BadHttpRequestException or ModelFailedException)
        {
            return Errors.Problem(StatusCodes.Status400BadRequest, "BadRequest", e.Message);
        }
    }

    private static IResult Unregister(ServerState state, string model, string? version)
    {
        var host = state.Registry.Remove(model, version, TimeSpan.FromSeconds(state.Options.DrainTimeoutSeconds));
        if (host is null) return Errors.Problem(StatusCodes.Status404NotFound, "ModelNotFound", InferenceEndpoints.NotFoundMessage(state, model, version));
        return Results.Json(new StatusMessage($"Model \"{model}\" version {host.Version} unregistered"), ServerJson.Default.StatusMessage);
    }

    private static IResult SetDefault(ServerState state, string model, string version) =>
        state.Registry.SetDefault(model, version)
            ? Results.Json(new StatusMessage($"Default version successfully updated for model \"{model}\" to \"{version}\""), ServerJson.Default.StatusMessage)
            : Errors.Problem(StatusCodes.Status404NotFound, "ModelNotFound", InferenceEndpoints.NotFoundMessage(state, model, version));

    private static int? Int(IQueryCollection query, string name)
    {
        if (!query.TryGetValue(name, out var text)) return null;
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new BadHttpRequestException($"parameter '{name}' is '{text}', not an integer");
    }

    private static double? Double(IQueryCollection query, string name)
    {
        if (!query.TryGetValue(name, out var text)) return null;
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new BadHttpRequestException($"parameter '{name}' is '{text}', not a number");
    }
}

internal sealed record ModelListEntry(string ModelName, string ModelUrl);

internal sealed record ModelList(ModelListEntry[] Models, string? NextPageToken);

internal sealed record WorkerDescription(int Id, DateTimeOffset StartTime, string Status, int IntraOpThreads, long BatchesRun);

internal sealed record JobQueueStatus(int RemainingCapacity, int PendingRequests);

internal sealed record TensorDescription(string Name, string Datatype, int[] Shape);

/// <summary>TorchServe's describe-model answer, plus what Corvid adds (state, error, handler, tensors, thread budget).</summary>
internal sealed record ModelDescription(
    string ModelName, string ModelVersion, string ModelUrl, string Runtime, string Handler, string State, string? Error,
    bool IsDefault, int MinWorkers, int MaxWorkers, int BatchSize, double MaxBatchDelay, double ResponseTimeout,
    WorkerDescription[] Workers, JobQueueStatus JobQueueStatus, TensorDescription[] Inputs, TensorDescription[] Outputs)
{
    public static ModelDescription Of(ModelVersionHost host, bool isDefault)
    {
        var workers = host.Workers.Select(w => new WorkerDescription(w.Id, w.StartedAt, w.Status, w.IntraOpThreads, w.BatchesRun)).ToArray();
        return new ModelDescription(
            host.Name, host.Version, host.Package.Source, host.Manifest.Runtime, host.Manifest.Handler, host.State.ToString().ToUpperInvariant(), host.Error,
            isDefault, workers.Length, workers.Length, host.MaxBatchSize, host.MaxBatchDelayMs, host.ResponseTimeout.TotalSeconds,
            workers, new JobQueueStatus(host.QueueCapacity - host.QueueDepth, host.QueueDepth),
            host.Inputs.Select(Tensor).ToArray(), host.Outputs.Select(Tensor).ToArray());
    }

    private static TensorDescription Tensor(Corvid.Serving.Tensors.TensorSpec spec) =>
        new(spec.Name, Corvid.Serving.Tensors.TensorDataTypes.ToV2Name(spec.DataType), spec.Shape);
}
