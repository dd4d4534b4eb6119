namespace Corvid.Serving.Handlers;

/// <summary>The handlers a manifest may name.</summary>
public static class ModelHandlers
{
    private static readonly Dictionary<string, IModelHandler> ByName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["image-classifier"] = new ImageClassifierHandler(),
        ["image_classifier"] = new ImageClassifierHandler(), // TorchServe's spelling
        ["image-embedding"] = new ImageEmbeddingHandler(),
        ["raw-tensor"] = new RawTensorHandler(),
    };

    public static IEnumerable<string> Names => ByName.Keys.Where(k => !k.Contains('_'));

    public static IModelHandler Get(string name) =>
        ByName.TryGetValue(name, out var handler)
            ? handler
            : throw new ModelLoadException($"handler '{name}' is unknown; known handlers: {string.Join(", ", Names)}");
}
