using System.Text.Json.Nodes;
using Corvid.Serving.Tensors;

namespace Corvid.Serving.Handlers;

/// <summary>
/// Turns a TorchServe-style request body into model inputs and the model's outputs into the JSON answer,
/// as a TorchServe handler's <c>preprocess</c> and <c>postprocess</c> do. The scheduler batches the inputs
/// of many requests between the two, so a handler only ever sees one request.
/// </summary>
public interface IModelHandler
{
    string Name { get; }

    /// <summary>The inputs for one request, batch dimension 1. Throws <see cref="BadInputException"/> for a body it cannot use.</summary>
    IReadOnlyList<NamedTensor> Preprocess(ReadOnlySpan<byte> body, string? contentType, HandlerContext context);

    /// <summary>The answer for one request from its rows of the outputs (batch dimension 1).</summary>
    JsonNode Postprocess(IReadOnlyList<NamedTensor> outputs, HandlerContext context);
}

/// <summary>What a handler knows about the model it serves; <paramref name="Image"/> null means ImageNet's pipeline.</summary>
public sealed record HandlerContext(string ModelName, IReadOnlyList<TensorSpec> Inputs, IReadOnlyList<TensorSpec> Outputs, IReadOnlyList<string> Labels,
    Models.ImagePreprocessing? Image = null)
{
    public Models.ImagePreprocessing ImagePipeline => Image ?? Models.ImagePreprocessing.ImageNet;
}
