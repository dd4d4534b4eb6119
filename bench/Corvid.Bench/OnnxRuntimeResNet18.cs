using Corvid.Onnx;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;

namespace Corvid.Bench;

/// <summary>
/// ONNX Runtime on the packaged ResNet18.onnx with the batch made symbolic, its default (full) graph
/// optimisations, and the given number of intra-op threads: the peer Corvid's ResNet18 is measured against.
/// </summary>
public static class OnnxRuntimeResNet18
{
    // One session per thread count for the whole run: a session holds ~100 MB of weights and arenas.
    private static readonly Dictionary<int, InferenceSession> Sessions = [];

    public static Action Setup(string modelPath, float[] images, int batch, int threads)
    {
        if (!Sessions.TryGetValue(threads, out var session))
        {
            var model = OnnxGraph.Read(modelPath);
            OnnxGraph.MakeBatchDynamic(model.Graph);
            var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
            Sessions[threads] = session = new InferenceSession(model.ToByteArray(), options);
        }
        string input = session.InputMetadata.Keys.Single();
        string output = session.OutputMetadata.Keys.Single();
        var value = OrtValue.CreateTensorValueFromMemory(images, [batch, 3, 224, 224]);
        var run = new RunOptions();
        return () =>
        {
            using var outputs = session.Run(run, [input], [value], [output]);
        };
    }
}
