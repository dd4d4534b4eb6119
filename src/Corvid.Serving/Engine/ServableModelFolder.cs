using Corvid.Nn;
using Corvid.Serving.Models;
using Corvid.Tensors.IO;

namespace Corvid.Serving.Engine;

/// <summary>
/// Writes a model folder that <c>corvid serve --models</c> serves with the <c>corvid</c> runtime: manifest.json,
/// model.safetensors, model.json (the definition) and labels.txt. The folder appears whole or not at all: it is
/// written beside the target under a temporary name and renamed into place; an existing folder is replaced.
/// </summary>
public static class ServableModelFolder
{
    public const string WeightsFile = "model.safetensors";
    public const string DefinitionFile = "model.json";
    public const string LabelsFile = "labels.txt";

    /// <summary>The manifest of a trained grayscale image classifier with the training set's normalisation.</summary>
    public static ModelManifest ClassifierManifest(string name, ModelDefinition definition, float mean, float std) => new()
    {
        Name = name,
        Runtime = "corvid",
        Handler = "image-classifier",
        Weights = WeightsFile,
        Definition = DefinitionFile,
        Labels = LabelsFile,
        Image = new ImagePreprocessing
        {
            Resize = definition.InputShape[^1],
            Crop = definition.InputShape[^1],
            Grayscale = true,
            Mean = [mean],
            Std = [std],
        },
        Batching = new BatchingOptions { MaxBatchSize = 16, MaxBatchDelayMs = 2 },
    };

    /// <param name="extras">Writes further files (a training plot) into the folder before it is moved into place.</param>
    public static void Write(string target, ModelManifest manifest, ModelDefinition definition, Module network, IReadOnlyList<string> labels,
        IReadOnlyDictionary<string, string>? metadata = null, Action<string>? extras = null)
    {
        var full = Path.GetFullPath(target);
        var parent = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{target}' has no parent folder");
        Directory.CreateDirectory(parent);
        var temp = Path.Combine(parent, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(temp);
        try
        {
            File.WriteAllText(Path.Combine(temp, ModelManifest.FileName), manifest.ToJson());
            File.WriteAllText(Path.Combine(temp, DefinitionFile), definition.ToJson());
            File.WriteAllLines(Path.Combine(temp, LabelsFile), labels);
            SafeTensors.Save(Path.Combine(temp, WeightsFile), network.StateDict(), metadata);
            extras?.Invoke(temp);
            Replace(temp, full);
        }
        catch
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
            throw;
        }
    }

    /// <summary>Moves the finished folder into place; an old one is moved aside first and deleted after.</summary>
    private static void Replace(string finished, string target)
    {
        if (!Directory.Exists(target))
        {
            Directory.Move(finished, target);
            return;
        }
        var old = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.old");
        Directory.Move(target, old);
        Directory.Move(finished, target);
        Directory.Delete(old, recursive: true);
    }
}
