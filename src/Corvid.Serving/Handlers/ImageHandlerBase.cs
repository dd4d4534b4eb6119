using System.Text.Json.Nodes;
using Corvid.Serving.Tensors;

namespace Corvid.Serving.Handlers;

/// <summary>Image in, via <see cref="ImagePreprocessor"/>, into the model's first input as (1,3,224,224).</summary>
public abstract class ImageHandlerBase : IModelHandler
{
    public abstract string Name { get; }

    public IReadOnlyList<NamedTensor> Preprocess(ReadOnlySpan<byte> body, string? contentType, HandlerContext context)
    {
        if (context.Inputs.Count == 0) throw new InvalidOperationException($"model '{context.ModelName}' declares no input");
        var input = context.Inputs[0];
        if (input.DataType != TensorDataType.Float32 || input.Shape.Length != 4 || input.Shape[1] is not (3 or -1))
        {
            throw new InvalidOperationException($"handler {Name} feeds a (N,3,224,224) float image but model '{context.ModelName}' expects {input}");
        }
        var chw = ImagePreprocessor.Preprocess(body);
        return [NamedTensor.Float32(input.Name, [1, 3, ImagePreprocessor.CropTo, ImagePreprocessor.CropTo], chw)];
    }

    public abstract JsonNode Postprocess(IReadOnlyList<NamedTensor> outputs, HandlerContext context);

    protected static float[] FirstOutputRow(IReadOnlyList<NamedTensor> outputs, HandlerContext context)
    {
        var output = outputs[0];
        if (output.Data is not float[] values)
        {
            throw new InvalidOperationException($"model '{context.ModelName}': output '{output.Name}' is {output.DataType.ToV2Name()}, the handler needs FP32");
        }
        return values;
    }
}
