using System.Text.Json.Nodes;
using Corvid.Serving.Tensors;

namespace Corvid.Serving.Handlers;

/// <summary>
/// Image in, via <see cref="ImagePreprocessor"/> and the manifest's image pipeline, into the model's first input
/// as (1, channels, crop, crop): (1,3,224,224) for ImageNet models, (1,1,28,28) for a Fashion-MNIST one.
/// </summary>
public abstract class ImageHandlerBase : IModelHandler
{
    public abstract string Name { get; }

    public IReadOnlyList<NamedTensor> Preprocess(ReadOnlySpan<byte> body, string? contentType, HandlerContext context)
    {
        if (context.Inputs.Count == 0) throw new InvalidOperationException($"model '{context.ModelName}' declares no input");
        var input = context.Inputs[0];
        var pipeline = context.ImagePipeline;
        int[] shape = [1, pipeline.Channels, pipeline.Crop, pipeline.Crop];
        if (input.DataType != TensorDataType.Float32 || input.Shape.Length != 4 || !Fits(input.Shape, shape))
        {
            throw new InvalidOperationException(
                $"handler {Name} feeds a (N,{pipeline.Channels},{pipeline.Crop},{pipeline.Crop}) float image (the manifest's image section) but model '{context.ModelName}' expects {input}");
        }
        var chw = ImagePreprocessor.Preprocess(body, pipeline);
        return [NamedTensor.Float32(input.Name, shape, chw)];
    }

    /// <summary>Every dimension after the batch equals the image's, or is free (-1).</summary>
    private static bool Fits(int[] declared, int[] image)
    {
        for (var d = 1; d < declared.Length; d++)
        {
            if (declared[d] != image[d] && declared[d] != -1) return false;
        }
        return true;
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
