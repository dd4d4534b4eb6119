using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Corvid.Serving.Handlers;
using Corvid.Serving.Scheduling;
using Corvid.Serving.Tensors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Corvid.Server.Endpoints;

/// <summary>
/// The KServe v2 / Open Inference Protocol over HTTP with JSON tensors, as Triton serves it: health, server
/// and model metadata, model readiness and <c>infer</c>. Errors are <c>{"error": "..."}</c>.
/// </summary>
internal static class KServeEndpoints
{
    public static void MapKServe(this IEndpointRouteBuilder app, ServerState state)
    {
        var v2 = app.MapGroup("/v2");
        // Probes stay open so an orchestrator can check health without holding a key.
        v2.MapGet("/health/live", () => Results.Ok());
        v2.MapGet("/health/ready", () => state.Draining ? V2Error(StatusCodes.Status503ServiceUnavailable, "the server is shutting down") : Results.Ok());

        var api = v2.MapGroup("").AddEndpointFilter(new ApiKeyFilter(state.Options.InferenceKey, "inference"));
        api.MapGet("", () => Results.Json(new JsonObject
        {
            ["name"] = "corvid",
            ["version"] = typeof(KServeEndpoints).Assembly.GetName().Version?.ToString(3),
            ["extensions"] = new JsonArray(),
        }));
        api.MapGet("/models/{name}", (string name) => Metadata(state, name, null));
        api.MapGet("/models/{name}/versions/{version}", (string name, string version) => Metadata(state, name, version));
        api.MapGet("/models/{name}/ready", (string name) => Ready(state, name, null));
        api.MapGet("/models/{name}/versions/{version}/ready", (string name, string version) => Ready(state, name, version));
        api.MapPost("/models/{name}/infer", (string name, HttpContext context) => InferAsync(state, name, null, context));
        api.MapPost("/models/{name}/versions/{version}/infer", (string name, string version, HttpContext context) => InferAsync(state, name, version, context));
    }

    private static IResult Metadata(ServerState state, string name, string? version)
    {
        var host = state.Registry.Find(name, version);
        if (host is null) return V2Error(StatusCodes.Status404NotFound, InferenceEndpoints.NotFoundMessage(state, name, version));
        return Results.Json(new JsonObject
        {
            ["name"] = host.Name,
            ["versions"] = new JsonArray(state.Registry.Versions(name).Select(v => (JsonNode)v.Version).ToArray()),
            ["platform"] = host.Manifest.Runtime == "onnx" ? "onnxruntime_onnx" : host.Manifest.Runtime,
            ["inputs"] = Specs(host.Inputs),
            ["outputs"] = Specs(host.Outputs),
        });
    }

    private static JsonArray Specs(IReadOnlyList<TensorSpec> specs) => new(specs.Select(s => (JsonNode)new JsonObject
    {
        ["name"] = s.Name,
        ["datatype"] = s.DataType.ToV2Name(),
        ["shape"] = new JsonArray(s.Shape.Select(d => (JsonNode)d).ToArray()),
    }).ToArray());

    private static IResult Ready(ServerState state, string name, string? version)
    {
        var host = state.Registry.Find(name, version);
        if (host is null) return V2Error(StatusCodes.Status404NotFound, InferenceEndpoints.NotFoundMessage(state, name, version));
        return host.State == ModelState.Ready && !state.Draining
            ? Results.Ok()
            : V2Error(StatusCodes.Status400BadRequest, host.Error is null ? $"model '{name}' is not ready" : $"model '{name}' failed to load: {host.Error}");
    }

    private static async Task<IResult> InferAsync(ServerState state, string name, string? version, HttpContext context)
    {
        var host = state.Registry.Find(name, version);
        if (host is null) return V2Error(StatusCodes.Status404NotFound, InferenceEndpoints.NotFoundMessage(state, name, version));
        try
        {
            if (state.Draining) throw new ModelUnavailableException("the server is shutting down and takes no new requests");
            var body = await RequestBody.ReadAsync(context.Request, context.RequestAborted);
            var request = V2Request.Parse(body.Span, host);
            var outputs = await host.InferAsync(request.Inputs, context.RequestAborted);
            state.Registry.Metrics.RecordRequest(host.Name, host.Version, StatusCodes.Status200OK);
            return Results.Text(V2Request.Response(host, request, outputs).ToJsonString(), "application/json", Encoding.UTF8);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            state.Registry.Metrics.RecordRequest(host.Name, host.Version, 499);
            return Results.Empty;
        }
        catch (Exception e)
        {
            var (status, _) = Errors.Classify(e);
            state.Registry.Metrics.RecordRequest(host.Name, host.Version, status);
            var result = V2Error(status, e.Message);
            if (Errors.HeadersFor(e, state.Options) is { } headers)
            {
                foreach (var (header, value) in headers) context.Response.Headers[header] = value;
            }
            return result;
        }
    }

    internal static IResult V2Error(int status, string message) =>
        Results.Json(new JsonObject { ["error"] = message }, statusCode: status);

    /// <summary>A parsed v2 infer request: its id, input tensors and the outputs asked for.</summary>
    private sealed record V2Request(string? Id, IReadOnlyList<NamedTensor> Inputs, IReadOnlyList<string>? OutputNames)
    {
        public static V2Request Parse(ReadOnlySpan<byte> body, ModelVersionHost host)
        {
            JsonNode? root;
            try
            {
                root = JsonNode.Parse(body);
            }
            catch (JsonException e)
            {
                throw new BadInputException($"the body is not valid JSON: {e.Message}");
            }
            if (root is not JsonObject request) throw new BadInputException("the body must be a JSON object with an 'inputs' array");
            if (request["inputs"] is not JsonArray inputs || inputs.Count == 0) throw new BadInputException("field 'inputs' is missing or not a non-empty array");

            var tensors = new List<NamedTensor>();
            for (var i = 0; i < inputs.Count; i++)
            {
                var path = $"inputs[{i}]";
                if (inputs[i] is not JsonObject input) throw new BadInputException($"field '{path}' is not an object");
                var name = input["name"] is JsonValue n && n.TryGetValue<string>(out var s) ? s : throw new BadInputException($"field '{path}.name' is missing or not a string");
                var spec = host.Inputs.FirstOrDefault(x => x.Name == name)
                    ?? throw new BadInputException($"field '{path}.name' is '{name}', but model '{host.Name}' has inputs {string.Join(", ", host.Inputs.Select(x => x.Name))}");
                var datatypeName = input["datatype"] is JsonValue d && d.TryGetValue<string>(out var dt) ? dt : throw new BadInputException($"field '{path}.datatype' is missing or not a string");
                if (!TensorDataTypes.TryParseV2Name(datatypeName, out var datatype)) throw new BadInputException($"field '{path}.datatype' is '{datatypeName}', which Corvid does not support (FP32, FP64, INT32, INT64, UINT8, BOOL)");
                if (datatype != spec.DataType) throw new BadInputException($"field '{path}.datatype' is {datatypeName}, but input '{name}' is {spec.DataType.ToV2Name()}");
                if (input["shape"] is not JsonArray shapeArray) throw new BadInputException($"field '{path}.shape' is missing or not an array");
                var shape = new int[shapeArray.Count];
                for (var j = 0; j < shape.Length; j++)
                {
                    if (shapeArray[j] is not JsonValue v || !v.TryGetValue<int>(out shape[j]) || shape[j] < 0)
                        throw new BadInputException($"field '{path}.shape[{j}]' is {shapeArray[j]?.ToJsonString() ?? "null"}, not a dimension");
                }
                if (shape.Length != spec.Shape.Length || shape.Where((dim, j) => spec.Shape[j] >= 0 && spec.Shape[j] != dim).Any())
                    throw new BadInputException($"field '{path}.shape' is [{string.Join(',', shape)}], but input '{name}' has shape [{string.Join(',', spec.Shape)}] (-1 is free)");
                if (shape.Length == 0 || shape[0] == 0) throw new BadInputException($"field '{path}.shape' must start with a batch dimension of at least 1");
                if (input["data"] is not JsonArray data) throw new BadInputException($"field '{path}.data' is missing or not an array");
                var values = TensorJson.ReadFlat(data, datatype, $"{path}.data");
                tensors.Add(TensorJson.Create(name, datatype, shape, values, $"{path}.data"));
            }
            var missing = host.Inputs.Select(x => x.Name).Except(tensors.Select(t => t.Name)).ToList();
            if (missing.Count > 0) throw new BadInputException($"field 'inputs' lacks {string.Join(", ", missing)}, which model '{host.Name}' needs");
            if (tensors.Select(t => t.BatchSize).Distinct().Count() > 1) throw new BadInputException("field 'inputs': every input must have the same batch dimension");

            List<string>? outputNames = null;
            if (request["outputs"] is JsonArray outputs)
            {
                outputNames = [];
                for (var i = 0; i < outputs.Count; i++)
                {
                    var name = outputs[i]?["name"] is JsonValue n && n.TryGetValue<string>(out var s) ? s : throw new BadInputException($"field 'outputs[{i}].name' is missing or not a string");
                    if (host.Outputs.All(o => o.Name != name)) throw new BadInputException($"field 'outputs[{i}].name' is '{name}', but model '{host.Name}' has outputs {string.Join(", ", host.Outputs.Select(o => o.Name))}");
                    outputNames.Add(name);
                }
            }
            var id = request["id"] is JsonValue idValue && idValue.TryGetValue<string>(out var idText) ? idText : null;
            return new V2Request(id, tensors, outputNames);
        }

        public static JsonObject Response(ModelVersionHost host, V2Request request, IReadOnlyList<NamedTensor> outputs)
        {
            var selected = request.OutputNames is null ? outputs : outputs.Where(o => request.OutputNames.Contains(o.Name)).ToList();
            var response = new JsonObject
            {
                ["model_name"] = host.Name,
                ["model_version"] = host.Version,
            };
            if (request.Id is not null) response["id"] = request.Id;
            response["outputs"] = new JsonArray(selected.Select(o => (JsonNode)new JsonObject
            {
                ["name"] = o.Name,
                ["datatype"] = o.DataType.ToV2Name(),
                ["shape"] = new JsonArray(o.Shape.Select(d => (JsonNode)d).ToArray()),
                ["data"] = TensorJson.WriteFlat(o),
            }).ToArray());
            return response;
        }
    }
}
