using Corvid.Serving.Models;
using Corvid.Onnx;
using Corvid.Onnx.Proto;

namespace Corvid.Serving.Tests;

/// <summary>Small ONNX models written by the tests themselves, each in its own model folder with a manifest.</summary>
public static class TestModels
{
    public static string TempDirectory(string prefix)
    {
        var dir = Path.Combine(Path.GetTempPath(), "corvid-tests", $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>
    /// A colour classifier: GlobalAveragePool over the normalised image, then a linear layer whose class c
    /// logit is 4 × the mean of channel c. Labels red, green, blue. A red image must come out "red".
    /// </summary>
    public static ModelPackage ColourClassifier(string storeDirectory, string name = "colours", string version = "1.0", ModelManifest? overrides = null)
    {
        var graph = new GraphProto { Name = "colour_classifier" };
        graph.Input.Add(OnnxGraph.FloatValue("image", "batch", null, 3, 224, 224));
        graph.Output.Add(OnnxGraph.FloatValue("logits", "batch", null, 3));
        float[] weights = [4, 0, 0, 0, 4, 0, 0, 0, 4];
        graph.Initializer.Add(OnnxGraph.FloatTensor("w", [3, 3], weights));
        graph.Initializer.Add(OnnxGraph.FloatTensor("b", [3], [0f, 0f, 0f]));
        graph.Node.Add(OnnxGraph.Node("GlobalAveragePool", ["image"], "pooled"));
        graph.Node.Add(OnnxGraph.Node("Flatten", ["pooled"], "flat", OnnxGraph.IntAttribute("axis", 1)));
        graph.Node.Add(OnnxGraph.Node("Gemm", ["flat", "w", "b"], "logits", OnnxGraph.IntAttribute("transB", 1)));
        var manifest = (overrides ?? Manifest(name, "image-classifier")) with { Name = name, Version = version, Labels = "labels.txt" };
        return Write(storeDirectory, graph, manifest, ("labels.txt", "red\ngreen\nblue\n"));
    }

    /// <summary>y = x + 1 over a (N,4) float input; the raw-tensor handler's test model.</summary>
    public static ModelPackage AddOne(string storeDirectory, string name = "add-one", ModelManifest? overrides = null)
    {
        var graph = new GraphProto { Name = "add_one" };
        graph.Input.Add(OnnxGraph.FloatValue("x", "batch", null, 4));
        graph.Output.Add(OnnxGraph.FloatValue("y", "batch", null, 4));
        graph.Initializer.Add(OnnxGraph.FloatTensor("one", [1], [1f]));
        graph.Node.Add(OnnxGraph.Node("Add", ["x", "one"], "y"));
        return Write(storeDirectory, graph, (overrides ?? Manifest(name, "raw-tensor")) with { Name = name });
    }

    /// <summary>
    /// Loads fine, fails on every run: reshapes its (N,4) input to (3,-1), which no batch of 4-wide rows can
    /// satisfy unless N is a multiple of 3 — so a single-row request always throws inside ONNX Runtime.
    /// </summary>
    public static ModelPackage FailsAtRun(string storeDirectory, string name = "broken")
    {
        var graph = new GraphProto { Name = "fails_at_run" };
        graph.Input.Add(OnnxGraph.FloatValue("x", "batch", null, 4));
        graph.Output.Add(OnnxGraph.FloatValue("y", "batch", null, null));
        graph.Initializer.Add(OnnxGraph.Int64Tensor("shape", [2], [5L, 7L]));
        graph.Node.Add(OnnxGraph.Node("Reshape", ["x", "shape"], "y"));
        return Write(storeDirectory, graph, Manifest(name, "raw-tensor"));
    }

    public static ModelManifest Manifest(string name, string handler) => new()
    {
        Name = name,
        Runtime = "onnx",
        Handler = handler,
        Weights = "model.onnx",
    };

    private static ModelPackage Write(string storeDirectory, GraphProto graph, ModelManifest manifest, params (string File, string Text)[] extra)
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "corvid-tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        var dir = Path.Combine(storeDirectory, manifest.Name + (manifest.Version == "1.0" ? "" : "-" + manifest.Version));
        Directory.CreateDirectory(dir);
        ResNet18Featurizer.Write(model, Path.Combine(dir, "model.onnx"));
        File.WriteAllText(Path.Combine(dir, ModelManifest.FileName), manifest.ToJson());
        foreach (var (file, text) in extra) File.WriteAllText(Path.Combine(dir, file), text);
        return ModelPackage.FromDirectory(dir);
    }
}
