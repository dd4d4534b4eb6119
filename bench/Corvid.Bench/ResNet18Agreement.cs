using System.Diagnostics;
using Corvid.Onnx;
using Corvid.Tensors;
using Corvid.Tensors.Autograd;
using Corvid.Tensors.IO;
using Corvid.Vision;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;

namespace Corvid.Bench;

/// <summary>
/// Before timing ResNet18, checks that the three engines run the same network: Corvid, ONNX Runtime and the
/// plain-torch model (with the weights tools/resnet18_onnx_to_safetensors.py exported) on the same two
/// images. Returns a one-line summary of the largest differences from ONNX Runtime's features.
/// </summary>
public static class ResNet18Agreement
{
    public static string Check(string script, string onnxPath, string torchWeights)
    {
        const int batch = 2;
        var images = ModelCases.RandomImages(batch, seed: 42);
        float[] reference = OnnxRuntimeFeatures(onnxPath, images, batch);
        float[] corvid;
        using (GradMode.NoGrad()) corvid = ResNet18Onnx.Load(onnxPath).Forward(Tensor.FromArray(images, batch, 3, 224, 224)).ToArray();

        string input = Path.GetTempFileName(), output = Path.GetTempFileName();
        try
        {
            SafeTensors.Save(input, new Dictionary<string, Tensor> { ["images"] = Tensor.FromArray(images, batch, 3, 224, 224) });
            var start = new ProcessStartInfo(TorchRunner.Python) { RedirectStandardError = true };
            foreach (var arg in new[] { script, "--check-resnet18", torchWeights, input, output }) start.ArgumentList.Add(arg);
            start.Environment["OPENBLAS_CORETYPE"] = "SkylakeX";
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {TorchRunner.Python}");
            string errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0) throw new InvalidOperationException($"{script} --check-resnet18 exited with {process.ExitCode}: {errors}");
            float[] torch = SafeTensors.Load(output).Tensors["features"].ToArray();
            float scale = reference.Max(MathF.Abs);
            return $"Same network check on 2 images, max |difference| from ONNX Runtime's features (largest {scale:G3}): "
                + $"Corvid {MaxDifference(corvid, reference):G2}, PyTorch {MaxDifference(torch, reference):G2}.";
        }
        finally
        {
            File.Delete(input);
            File.Delete(output);
        }
    }

    private static float MaxDifference(float[] a, float[] b) =>
        a.Length == b.Length ? a.Zip(b, (x, y) => MathF.Abs(x - y)).Max() : throw new InvalidOperationException($"feature counts differ: {a.Length} vs {b.Length}");

    private static float[] OnnxRuntimeFeatures(string onnxPath, float[] images, int batch)
    {
        var model = OnnxGraph.Read(onnxPath);
        OnnxGraph.MakeBatchDynamic(model.Graph);
        using var session = new InferenceSession(model.ToByteArray());
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(session.InputMetadata.Keys.Single(), new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(images, [batch, 3, 224, 224]))]);
        return results.Single().AsTensor<float>().ToArray();
    }
}
