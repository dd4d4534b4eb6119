using System.Text.Json.Nodes;
using Corvid.Serving.Tensors;

namespace Corvid.Serving.Handlers;

/// <summary><c>image-embedding</c>: the model's first output for the image, flattened, as a JSON array of numbers.</summary>
public sealed class ImageEmbeddingHandler : ImageHandlerBase
{
    public override string Name => "image-embedding";

    public override JsonNode Postprocess(IReadOnlyList<NamedTensor> outputs, HandlerContext context)
    {
        var values = FirstOutputRow(outputs, context);
        var array = new JsonArray();
        foreach (var v in values) array.Add(v);
        return array;
    }
}
