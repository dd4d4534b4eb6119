using Corvid.Onnx;
using Corvid.Vision;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Corvid.Vision.Tests;

/// <summary>ONNX Runtime running the packaged ResNet18.onnx, with its batch dimension made symbolic.</summary>
public sealed class OnnxRuntimeReference : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string _input;

    public OnnxRuntimeReference()
    {
        var model = OnnxGraph.Read(ResNet18Onnx.PackagedModelPath);
        OnnxGraph.MakeBatchDynamic(model.Graph); // the file fixes batch 1
        _input = model.Graph.Input.Single(v => !model.Graph.Initializer.Any(t => t.Name == v.Name)).Name;
        _session = new InferenceSession(model.ToByteArray());
    }

    /// <summary>The graph's output for images (N, 3, 224, 224), flattened to (N, 512).</summary>
    public float[] Run(float[] images, int batch)
    {
        var input = new DenseTensor<float>(images, [batch, 3, 224, 224]);
        using var results = _session.Run([NamedOnnxValue.CreateFromTensor(_input, input)]);
        var output = results.Single().AsTensor<float>();
        Assert.Equal([batch, 512, 1, 1], output.Dimensions.ToArray());
        return output.ToArray();
    }

    public void Dispose() => _session.Dispose();
}
