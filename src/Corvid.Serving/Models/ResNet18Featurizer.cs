using Corvid.Onnx;
using Corvid.Onnx.Proto;
using Google.Protobuf;

namespace Corvid.Serving.Models;

/// <summary>
/// Builds Corvid's default model from the ResNet18 that the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18
/// ships: an ImageNet-trained ResNet18 (exported from CNTK) ending at the 512-d global-average-pooled features.
///
/// That network was trained on BGR pixels in 0..255 minus a per-pixel mean image (the package's
/// ResNetPreprocess.onnx does that step). Corvid's image handlers produce the torchvision tensor
/// instead: RGB, x/255, minus the ImageNet mean, over the ImageNet std. So the served graph starts with
/// four nodes that turn the torchvision tensor back into what the network expects:
///   image (N,3,224,224) RGB normalised → ×(std·255) + mean·255 → RGB 0..255 → Gather [2,1,0] → BGR
///   → − MeanImage → the original network → Flatten → embedding (N,512)
/// and its batch dimension, fixed at 1 in the file, is made symbolic so the scheduler can batch.
/// </summary>
public static class ResNet18Featurizer
{
    public const string InputName = "image";
    public const string OutputName = "embedding";

    public static readonly float[] ImageNetMean = [0.485f, 0.456f, 0.406f];
    public static readonly float[] ImageNetStd = [0.229f, 0.224f, 0.225f];

    public static ModelProto Build(string resnetPath, string preprocessPath)
    {
        var model = OnnxGraph.Read(resnetPath);
        var prep = OnnxGraph.Read(preprocessPath);
        var graph = model.Graph;
        var initializerNames = graph.Initializer.Select(t => t.Name).ToHashSet();

        var networkInput = graph.Input.Single(v => !initializerNames.Contains(v.Name));
        var networkOutput = graph.Output.Single();
        var meanImage = prep.Graph.Initializer.SingleOrDefault(t => t.Name == "MeanImage")
            ?? throw new ModelLoadException($"'{preprocessPath}' has no MeanImage initializer");
        if (!meanImage.Dims.SequenceEqual([1L, 3, 224, 224]) && !meanImage.Dims.SequenceEqual([3L, 224, 224]))
        {
            throw new ModelLoadException($"'{preprocessPath}': MeanImage has shape [{string.Join(',', meanImage.Dims)}], expected [1,3,224,224]");
        }

        var scale = new float[3];
        var offset = new float[3];
        for (var c = 0; c < 3; c++)
        {
            scale[c] = ImageNetStd[c] * 255f;
            offset[c] = ImageNetMean[c] * 255f;
        }
        var mean = meanImage.Clone();
        mean.Name = "corvid_mean_image_bgr";

        graph.Initializer.Add(OnnxGraph.FloatTensor("corvid_scale", [1, 3, 1, 1], scale));
        graph.Initializer.Add(OnnxGraph.FloatTensor("corvid_offset", [1, 3, 1, 1], offset));
        graph.Initializer.Add(OnnxGraph.Int64Tensor("corvid_rgb_to_bgr", [3], [2L, 1, 0]));
        graph.Initializer.Add(mean);

        NodeProto[] front =
        [
            OnnxGraph.Node("Mul", [InputName, "corvid_scale"], "corvid_rgb_scaled"),
            OnnxGraph.Node("Add", ["corvid_rgb_scaled", "corvid_offset"], "corvid_rgb_255"),
            OnnxGraph.Node("Gather", ["corvid_rgb_255", "corvid_rgb_to_bgr"], "corvid_bgr_255", OnnxGraph.IntAttribute("axis", 1)),
            OnnxGraph.Node("Sub", ["corvid_bgr_255", mean.Name], networkInput.Name),
        ];
        for (var i = front.Length - 1; i >= 0; i--) graph.Node.Insert(0, front[i]);
        graph.Node.Add(OnnxGraph.Node("Flatten", [networkOutput.Name], OutputName, OnnxGraph.IntAttribute("axis", 1)));

        graph.Input.Remove(networkInput);
        graph.Input.Insert(0, OnnxGraph.FloatValue(InputName, "batch", null, 3, 224, 224));
        graph.Output.Clear();
        graph.Output.Add(OnnxGraph.FloatValue(OutputName, "batch", null, 512));
        OnnxGraph.MakeBatchDynamic(graph);
        graph.Name = "corvid_resnet18_features";
        return model;
    }

    public static void Write(ModelProto model, string path)
    {
        using var stream = File.Create(path);
        model.WriteTo(stream);
    }
}
