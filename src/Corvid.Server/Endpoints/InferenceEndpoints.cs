using System.Text;
using Corvid.Serving.Scheduling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Corvid.Server.Endpoints;

/// <summary>TorchServe's inference API: <c>GET /ping</c> and <c>POST|PUT /predictions/{model}[/{version}]</c> with the raw input bytes.</summary>
internal static class InferenceEndpoints
{
    public static void MapInference(this IEndpointRouteBuilder app, ServerState state)
    {
        app.MapGet("/ping", () => state.Draining
            ? Results.Json(new StatusMessage("Unhealthy"), ServerJson.Default.StatusMessage, statusCode: StatusCodes.Status503ServiceUnavailable)
            : Results.Json(new StatusMessage("Healthy"), ServerJson.Default.StatusMessage));

        var predictions = app.MapGroup("/predictions").AddEndpointFilter(new ApiKeyFilter(state.Options.InferenceKey, "inference"));
        // POST, and PUT because `curl -T image.jpg` (TorchServe's documented call) uploads with PUT.
        string[] methods = [HttpMethods.Post, HttpMethods.Put];
        predictions.MapMethods("/{model}", methods, (string model, HttpContext context) => PredictAsync(state, model, null, context));
        predictions.MapMethods("/{model}/{version}", methods, (string model, string version, HttpContext context) => PredictAsync(state, model, version, context));
    }

    private static async Task<IResult> PredictAsync(ServerState state, string model, string? version, HttpContext context)
    {
        var host = state.Registry.Find(model, version);
        if (host is null)
        {
            return Errors.Problem(StatusCodes.Status404NotFound, "ModelNotFound", NotFoundMessage(state, model, version));
        }
        if (state.Draining)
        {
            return Fail(state, host, new ModelUnavailableException("the server is shutting down and takes no new requests"));
        }
        try
        {
            var body = await RequestBody.ReadAsync(context.Request, context.RequestAborted);
            var answer = await host.PredictAsync(body, context.Request.ContentType, context.RequestAborted);
            state.Registry.Metrics.RecordRequest(host.Name, host.Version, StatusCodes.Status200OK);
            return Results.Text(answer.ToJsonString(), "application/json", Encoding.UTF8);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client is gone; nobody reads this answer. 499 is nginx's "client closed request".
            state.Registry.Metrics.RecordRequest(host.Name, host.Version, 499);
            return Results.Empty;
        }
        catch (Exception e)
        {
            return Fail(state, host, e);
        }
    }

    internal static IResult Fail(ServerState state, ModelVersionHost host, Exception e)
    {
        var (status, type) = Errors.Classify(e);
        state.Registry.Metrics.RecordRequest(host.Name, host.Version, status);
        return Errors.Problem(status, type, e.Message, Errors.HeadersFor(e, state.Options));
    }

    internal static string NotFoundMessage(ServerState state, string model, string? version)
    {
        var versions = state.Registry.Versions(model);
        if (versions.Count > 0)
        {
            return $"model '{model}' has no version '{version}'; registered versions: {string.Join(", ", versions.Select(v => v.Version))}";
        }
        var names = state.Registry.Names;
        return $"model '{model}' is not registered; registered models: {(names.Count == 0 ? "none" : string.Join(", ", names))}";
    }
}

internal sealed record StatusMessage(string Status);
