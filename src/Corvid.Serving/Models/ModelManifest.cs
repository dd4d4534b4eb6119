using System.Text.Json;
using System.Text.Json.Serialization;

namespace Corvid.Serving.Models;

/// <summary>
/// <c>manifest.json</c> at the root of a model folder or zip: what the model is, how to run it and how to
/// schedule it. Field names are camelCase JSON; only <c>name</c>, <c>runtime</c>, <c>handler</c> and
/// <c>weights</c> are required. Optional fields have setters so the JSON reader keeps their defaults when absent.
/// </summary>
public sealed record ModelManifest
{
    public const string FileName = "manifest.json";

    public required string Name { get; init; }
    public string Version { get; set; } = "1.0";
    /// <summary><c>onnx</c> (ONNX Runtime) or <c>corvid</c> (Corvid's engine).</summary>
    public required string Runtime { get; init; }
    /// <summary><c>image-classifier</c>, <c>image-embedding</c> or <c>raw-tensor</c>.</summary>
    public required string Handler { get; init; }
    /// <summary>Weights file, relative to the package root.</summary>
    public required string Weights { get; init; }
    /// <summary>Optional labels file: one label per line, or TorchServe's index_to_name.json.</summary>
    public string? Labels { get; set; }
    /// <summary>The <c>corvid</c> runtime's model definition (layers as JSON), relative to the package root.</summary>
    public string? Definition { get; set; }
    /// <summary>How the image handlers preprocess a picture; unset means ImageNet's 256 / 224 RGB pipeline.</summary>
    public ImagePreprocessing? Image { get; set; }
    public BatchingOptions Batching { get; set; } = new();
    public int Workers { get; set; } = 1;
    /// <summary>Intra-op threads per worker; unset means logical cores / workers.</summary>
    public int? IntraOpThreads { get; set; }
    public int QueueSize { get; set; } = 100;
    public double ResponseTimeoutSeconds { get; set; } = 120;

    public static ModelManifest Parse(string json, string source)
    {
        ModelManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(json, ManifestJson.Default.ModelManifest);
        }
        catch (JsonException e)
        {
            throw new ModelLoadException($"{source}: not a valid model manifest: {e.Message}", e);
        }
        if (manifest is null) throw new ModelLoadException($"{source}: the manifest is empty (null)");
        manifest.Validate(source);
        return manifest;
    }

    public string ToJson() => JsonSerializer.Serialize(this, ManifestJson.Default.ModelManifest);

    public void Validate(string source)
    {
        static void Require(bool ok, string message)
        {
            if (!ok) throw new ModelLoadException(message);
        }
        Require(IsSafeName(Name), $"{source}: field 'name' is '{Name}'; use letters, digits, '-', '_' and '.' only");
        Require(IsSafeName(Version), $"{source}: field 'version' is '{Version}'; use letters, digits, '-', '_' and '.' only");
        Require(!string.IsNullOrWhiteSpace(Weights), $"{source}: field 'weights' is empty");
        Require(Workers >= 0, $"{source}: field 'workers' is {Workers}; it must be 0 or more");
        Require(QueueSize >= 1, $"{source}: field 'queueSize' is {QueueSize}; it must be at least 1");
        Require(ResponseTimeoutSeconds > 0, $"{source}: field 'responseTimeoutSeconds' is {ResponseTimeoutSeconds}; it must be positive");
        Require(IntraOpThreads is null or >= 1, $"{source}: field 'intraOpThreads' is {IntraOpThreads}; it must be at least 1");
        Require(Batching.MaxBatchSize >= 1, $"{source}: field 'batching.maxBatchSize' is {Batching.MaxBatchSize}; it must be at least 1");
        Require(Batching.MaxBatchDelayMs >= 0, $"{source}: field 'batching.maxBatchDelayMs' is {Batching.MaxBatchDelayMs}; it must be 0 or more");
        Require(Definition is null || !string.IsNullOrWhiteSpace(Definition), $"{source}: field 'definition' is empty");
        Image?.Validate(source);
    }

    /// <summary>The image pipeline the handlers use: the manifest's <c>image</c> section or ImageNet's.</summary>
    public ImagePreprocessing ImagePipeline() => Image ?? ImagePreprocessing.ImageNet;

    public static bool IsSafeName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 128 && name != "." && name != ".."
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}

/// <summary>Dynamic batching: up to <see cref="MaxBatchSize"/> requests, waiting at most <see cref="MaxBatchDelayMs"/> from the oldest one's arrival.</summary>
public sealed record BatchingOptions
{
    public int MaxBatchSize { get; set; } = 1;
    public double MaxBatchDelayMs { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true, RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(ModelManifest))]
internal sealed partial class ManifestJson : JsonSerializerContext;
