using System.Text.Json.Nodes;
using Corvid.Nn.Optim;
using Corvid.Tensors;
using Fn = Corvid.Tensors.F; // Program.cs has a top-level F(), which hides the class F here
using Corvid.Tensors.Autograd;
using Corvid.Vision;

namespace Corvid.Bench;

/// <summary>
/// The model-level workloads of issue 4: ResNet18 inference (Corvid, ONNX Runtime and PyTorch on the same
/// weights) and full training steps (forward, loss, backward, optimizer step) against PyTorch.
/// </summary>
public static class ModelCases
{
    public const int GptVocab = 1024;

    /// <param name="torchWeights">The ONNX file's weights under torchvision names, for the PyTorch peer.</param>
    public static IEnumerable<ModelCase> All(string onnxPath, string torchWeights)
    {
        var resnet = new Lazy<ResNet18>(() => ResNet18Onnx.Load(onnxPath));
        foreach (int batch in new[] { 1, 8 })
            yield return ResNet18Inference(resnet, onnxPath, torchWeights, batch);

        yield return new ModelCase("train", "CNN batch 64, 32x32", 64, "samples/s",
            new JsonObject { ["op"] = "cnn_train", ["batch"] = 64 }, () =>
            {
                var model = TrainingModels.Cnn();
                var optimizer = new SGD(model.Parameters(), lr: 0.01, momentum: 0.9);
                var x = Tensor.Randn(64, 3, 32, 32);
                var y = Tensor.RandInt(0, 10, [64]);
                return () => TrainStep(() => Fn.CrossEntropy(model.Forward(x), y), optimizer);
            });

        var gpt = new JsonObject { ["op"] = "gpt_train", ["vocab"] = GptVocab, ["seq"] = 128, ["d_model"] = 256, ["layers"] = 4, ["heads"] = 8, ["batch"] = 16 };
        yield return new ModelCase("train", "GPT 4 layers, d 256, seq 128, batch 16", 16, "samples/s", gpt, () =>
        {
            var model = new BenchGpt(GptVocab, 128, 256, 4, 8);
            var optimizer = new AdamW(model.Parameters(), lr: 3e-4);
            var idx = Tensor.RandInt(0, GptVocab, [16, 129]);
            var input = idx.Narrow(1, 0, 128).Contiguous();  // (16, 128)
            var target = idx.Narrow(1, 1, 128).Contiguous(); // (16, 128), the next token
            return () => TrainStep(() => Fn.CrossEntropy(model.Forward(input).View(-1, GptVocab), target.View(-1)), optimizer);
        });

        // Omniglot-sized, as the MAML paper's Conv-4: 28x28 grayscale, 64 filters, 15 queries per class.
        var maml = new JsonObject
        {
            ["op"] = "maml_train", ["ways"] = 5, ["shots"] = 5, ["queries"] = 15, ["channels"] = 1, ["size"] = 28, ["width"] = 64,
            ["tasks"] = 8, ["inner_steps"] = 5, ["inner_lr"] = 0.01,
        };
        yield return new ModelCase("train", "MAML 2nd order, Conv-4, 5-way 5-shot, 5 steps, 8 tasks", 8, "tasks/s", maml, () =>
        {
            var meta = new MamlConv4(ways: 5, shots: 5, queries: 15, channels: 1, size: 28, width: 64, tasks: 8, innerSteps: 5, innerLr: 0.01f);
            return meta.Step;
        });

        var mlp = new JsonObject { ["op"] = "mlp_train", ["batch"] = 32, ["in"] = 64, ["hidden"] = 128, ["out"] = 10 };
        yield return new ModelCase("train", "tiny MLP 64-128-10, batch 32", 1, "steps/s", mlp, () =>
        {
            var model = TrainingModels.Mlp(64, 128, 10);
            var optimizer = new SGD(model.Parameters(), lr: 0.01, momentum: 0.9);
            var x = Tensor.Randn(32, 64);
            var y = Tensor.RandInt(0, 10, [32]);
            return () => TrainStep(() => Fn.CrossEntropy(model.Forward(x), y), optimizer);
        });
    }

    private static void TrainStep(Func<Tensor> loss, Optimizer optimizer)
    {
        optimizer.ZeroGrad();
        loss().Backward();
        optimizer.Step();
    }

    private static ModelCase ResNet18Inference(Lazy<ResNet18> model, string onnxPath, string torchWeights, int batch)
    {
        var images = RandomImages(batch, seed: batch);
        var spec = new JsonObject { ["op"] = "resnet18", ["batch"] = batch, ["weights"] = torchWeights };
        return new ModelCase("resnet18", $"ResNet18 inference batch {batch}", batch, "images/s", spec,
            () =>
            {
                var x = Tensor.FromArray(images, batch, 3, 224, 224);
                return () =>
                {
                    using (GradMode.NoGrad()) model.Value.Forward(x);
                };
            },
            threads => OnnxRuntimeResNet18.Setup(onnxPath, images, batch, threads));
    }

    /// <summary>Values like the network's real input (BGR 0..255 minus the mean image): about ±128.</summary>
    public static float[] RandomImages(int batch, int seed)
    {
        var random = new Random(seed);
        var data = new float[batch * 3 * 224 * 224];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(random.NextDouble() * 256 - 128);
        return data;
    }
}
