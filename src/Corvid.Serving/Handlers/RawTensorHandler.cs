using System.Text.Json;
using System.Text.Json.Nodes;
using Corvid.Serving.Tensors;

namespace Corvid.Serving.Handlers;

/// <summary>
/// <c>raw-tensor</c>: numbers in, numbers out, for models that take no image. The body is JSON,
/// <c>{"shape": [1, 4], "data": [1, 2, 3, 4]}</c> for the model's single input (the shape may be left out
/// when the model's input shape is fixed apart from the batch). The answer maps each output name to
/// <c>{"shape": [...], "data": [...]}</c>.
/// </summary>
public sealed class RawTensorHandler : IModelHandler
{
    public string Name => "raw-tensor";

    public IReadOnlyList<NamedTensor> Preprocess(ReadOnlySpan<byte> body, string? contentType, HandlerContext context)
    {
        if (context.Inputs.Count != 1)
        {
            throw new BadInputException($"model '{context.ModelName}' has {context.Inputs.Count} inputs; use the KServe v2 API (/v2/models/{context.ModelName}/infer) to send several");
        }
        var spec = context.Inputs[0];
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(body);
        }
        catch (JsonException e)
        {
            throw new BadInputException($"the body is not JSON: {e.Message}");
        }
        if (root is not JsonObject obj || obj["data"] is not JsonArray data)
        {
            throw new BadInputException("the body must be a JSON object with a 'data' array (and optionally 'shape')");
        }
        int[] shape;
        if (obj["shape"] is JsonArray shapeArray)
        {
            shape = shapeArray.Select((d, i) => d?.GetValueKind() == JsonValueKind.Number ? d.GetValue<int>() : throw new BadInputException($"field 'shape[{i}]' is not an integer")).ToArray();
        }
        else
        {
            if (spec.Shape.Skip(1).Any(d => d < 0))
            {
                throw new BadInputException($"field 'shape' is missing and model input {spec} has free dimensions besides the batch");
            }
            shape = [1, .. spec.Shape.Skip(1)];
        }
        var values = TensorJson.ReadFlat(data, spec.DataType, "data");
        if (shape.Length == 0 || shape[0] != 1) throw new BadInputException($"field 'shape' is [{string.Join(',', shape)}]; a prediction request carries one row, so it must start with 1");
        return [TensorJson.Create(spec.Name, spec.DataType, shape, values, "data")];
    }

    public JsonNode Postprocess(IReadOnlyList<NamedTensor> outputs, HandlerContext context)
    {
        var result = new JsonObject();
        foreach (var output in outputs)
        {
            result[output.Name] = new JsonObject
            {
                ["shape"] = new JsonArray(output.Shape.Select(d => (JsonNode)d).ToArray()),
                ["data"] = TensorJson.WriteFlat(output),
            };
        }
        return result;
    }
}
