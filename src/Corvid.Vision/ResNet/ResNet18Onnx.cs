using Corvid.Nn;
using Corvid.Onnx;
using Corvid.Onnx.Proto;
using Corvid.Tensors;

namespace Corvid.Vision;

/// <summary>
/// Loads the pretrained ResNet18 that the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 ships
/// (ResNet18.onnx, exported from CNTK) into a Corvid <see cref="ResNet18"/> featurizer.
/// </summary>
/// <remarks>
/// That network has three residual blocks in its last stage where torchvision's resnet18 has two
/// (22 convolutions, 9 blocks: [2, 2, 2, 3]); the loader reads the layout from the graph and builds
/// the model to match, so layer4.2 exists for this file.
///
/// The file keeps batch norm as separate BatchNormalization nodes (it is not folded into the
/// convolutions), so the mapping is one to one: each Conv's weight, and each BatchNormalization's
/// scale, bias, mean and variance, onto torchvision's names. The exporter's names (Parameter91, …) say
/// nothing, so the loader walks the graph along the data flow of torchvision's forward pass and
/// names each node by its place in it; anything that does not fit that shape is an error naming the node.
///
/// CNTK writes some paddings asymmetrically (conv1 [3,3,2,2], the stride-2 3x3 convolutions and the
/// max pool [1,1,0,0]): for even input sizes such as 224 the last window never reaches the extra
/// end-side padding that torchvision's symmetric padding adds, so both compute the same output; the
/// loader checks that the begin pads are torchvision's and the end pads no larger.
///
/// The network's input is what the package's ResNetPreprocess.onnx produces: BGR pixels in 0..255
/// minus a per-pixel mean image, (N, 3, 224, 224).
/// </remarks>
public static class ResNet18Onnx
{
    /// <summary>
    /// Where the package's build step copies ResNet18.onnx: beside the program, in any project that references
    /// Microsoft.ML.DnnImageFeaturizer.ResNet18 (directly, or through Corvid.Serving).
    /// </summary>
    public static string PackagedModelPath => Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");

    /// <summary>The featurizer (no fc) with the file's weights, in eval mode: (N, 3, 224, 224) → (N, 512).</summary>
    public static ResNet18 Load(string? path = null)
    {
        path ??= PackagedModelPath;
        var (config, state) = Read(OnnxGraph.Read(path), path);
        var model = new ResNet18(config);
        var missing = model.StateDict().Keys.Where(k => !state.ContainsKey(k) && !k.EndsWith(".num_batches_tracked", StringComparison.Ordinal)).ToList();
        if (missing.Count > 0) throw new InvalidDataException($"{path}: no weights found for {string.Join(", ", missing)}");
        model.LoadStateDict(state, strict: false); // num_batches_tracked only counts training batches; the file has none
        model.Eval();
        return model;
    }

    /// <summary>
    /// The network's layout (blocks per stage, no classifier) and its initializers under torchvision's
    /// parameter names.
    /// </summary>
    public static (ResNet18Config Config, Dictionary<string, Tensor> State) Read(ModelProto model, string source)
    {
        var graph = new OnnxGraphIndex(model.Graph, source);
        var state = new Dictionary<string, Tensor>();
        var input = graph.DataInputs.Count == 1 ? graph.DataInputs[0].Name
            : throw new InvalidDataException($"{source}: expected one image input, the graph has [{string.Join(", ", graph.DataInputs.Select(v => v.Name))}]");

        // Stem: conv1 → bn1 → relu → maxpool.
        var x = ConvBn(graph, graph.SingleConsumer(input, "Conv"), "conv1", "bn1", stride: 2, pad: 3, state);
        x = graph.SingleConsumer(x, "Relu").Output[0];
        var pool = graph.SingleConsumer(x, "MaxPool");
        CheckWindow(graph, pool, "maxpool", kernel: 3, stride: 2, pad: 1);
        x = pool.Output[0];

        // Residual blocks until the global pool; a block with a strided shortcut starts the next stage.
        var blocks = new List<int> { 0 };
        while (graph.Consumers(x) is var next && !next.Any(n => n.OpType is "AveragePool" or "GlobalAveragePool"))
        {
            bool downsamples = next.Count(n => n.OpType == "Conv") == 2;
            if (downsamples && blocks[^1] > 0) blocks.Add(0);
            if (blocks.Count > ResNet18Config.StageWidths.Count)
                throw new InvalidDataException($"{source}: more than {ResNet18Config.StageWidths.Count} stages of residual blocks before the global pool (at '{x}')");
            int stage = blocks.Count - 1;
            x = Block(graph, x, $"layer{stage + 1}.{blocks[stage]}", stride: stage > 0 && blocks[stage] == 0 ? 2 : 1, state);
            blocks[stage]++;
        }
        if (graph.Consumers(x).Count != 1)
            throw new InvalidDataException($"{source}: expected the last stage's output '{x}' to feed only the global pool, it feeds [{OnnxGraphIndex.Describe(graph.Consumers(x))}]");
        if (blocks.Count != ResNet18Config.StageWidths.Count)
            throw new InvalidDataException($"{source}: found {blocks.Count} stages of residual blocks ([{string.Join(", ", blocks)}]), ResNet18 has {ResNet18Config.StageWidths.Count}");
        return (new ResNet18Config(NumClasses: null, StageBlocks: blocks), state);
    }

    /// <summary>One <see cref="BasicBlock"/> starting at value <paramref name="x"/>; returns its output value.</summary>
    private static string Block(OnnxGraphIndex graph, string x, string prefix, int stride, Dictionary<string, Tensor> state)
    {
        var convs = graph.Consumers(x).Where(n => n.OpType == "Conv").ToList();
        // The main branch's first conv is the one whose batch norm feeds a Relu; the shortcut's feeds the Add.
        bool IsMain(NodeProto conv) => graph.Consumers(graph.SingleConsumer(conv.Output[0], "BatchNormalization").Output[0]).Any(n => n.OpType == "Relu");
        var main = convs.Where(IsMain).ToList();
        var shortcut = convs.Where(c => !IsMain(c)).ToList();
        if (main.Count != 1 || shortcut.Count > 1)
            throw new InvalidDataException($"{graph.Source}: {prefix}: expected '{x}' to feed one main-branch Conv and at most one shortcut Conv, it feeds [{OnnxGraphIndex.Describe(convs)}]");

        var y = ConvBn(graph, main[0], $"{prefix}.conv1", $"{prefix}.bn1", stride, pad: 1, state);
        y = graph.SingleConsumer(y, "Relu").Output[0];
        y = ConvBn(graph, graph.SingleConsumer(y, "Conv"), $"{prefix}.conv2", $"{prefix}.bn2", stride: 1, pad: 1, state);
        var identity = shortcut.Count == 1
            ? ConvBn(graph, shortcut[0], $"{prefix}.downsample.0", $"{prefix}.downsample.1", stride, pad: 0, state)
            : x;

        var add = graph.SingleConsumer(y, "Add");
        if (!add.Input.Contains(identity))
            throw new InvalidDataException($"{graph.Source}: {prefix}: the residual Add '{add.Name}' adds [{string.Join(", ", add.Input)}], expected '{y}' and '{identity}'");
        return graph.SingleConsumer(add.Output[0], "Relu").Output[0];
    }

    /// <summary>Maps a bias-free Conv and the BatchNormalization after it; returns the batch norm's output value.</summary>
    private static string ConvBn(OnnxGraphIndex graph, NodeProto conv, string convName, string bnName, int stride, int pad, Dictionary<string, Tensor> state)
    {
        if (conv.Input.Count > 2 && conv.Input[2].Length > 0)
            throw new InvalidDataException($"{graph.Source}: Conv '{conv.Name}' ({convName}) has a bias '{conv.Input[2]}'; torchvision's ResNet18 convolutions have none");
        if (conv.Int("group", 1) != 1 || conv.Ints("dilations", 1, 1).Any(d => d != 1))
            throw new InvalidDataException($"{graph.Source}: Conv '{conv.Name}' ({convName}) is grouped or dilated, which ResNet18 is not");
        CheckWindow(graph, conv, convName, kernel: null, stride, pad);
        state[$"{convName}.weight"] = Initializer(graph, conv.Input[1]);

        var bn = graph.SingleConsumer(conv.Output[0], "BatchNormalization");
        float eps = bn.Float("epsilon", 1e-5f);
        if (Math.Abs(eps - 1e-5f) > 1e-9f)
            throw new InvalidDataException($"{graph.Source}: BatchNormalization '{bn.Name}' ({bnName}) has epsilon {eps}, torchvision's is 1e-5");
        string[] names = ["weight", "bias", "running_mean", "running_var"]; // ONNX order: scale, B, mean, var
        for (int i = 0; i < names.Length; i++) state[$"{bnName}.{names[i]}"] = Initializer(graph, bn.Input[i + 1]);
        return bn.Output[0];
    }

    /// <summary>Checks strides and pads against torchvision's (and the kernel size, when given).</summary>
    private static void CheckWindow(OnnxGraphIndex graph, NodeProto node, string name, int? kernel, int stride, int pad)
    {
        var strides = node.Ints("strides", 1, 1);
        var pads = node.Ints("pads", 0, 0, 0, 0); // [begin_h, begin_w, end_h, end_w]
        var kernelShape = node.Ints("kernel_shape");
        bool ok = strides.All(s => s == stride)
            && pads.Length == 4 && pads[0] == pad && pads[1] == pad && pads[2] <= pad && pads[3] <= pad
            && (kernel is null || kernelShape.All(k => k == kernel));
        if (!ok)
            throw new InvalidDataException($"{graph.Source}: {node.OpType} '{node.Name}' ({name}) has kernel [{string.Join(",", kernelShape)}], strides [{string.Join(",", strides)}], pads [{string.Join(",", pads)}]; torchvision's {name} has stride {stride}, padding {pad}" + (kernel is null ? "" : $", kernel {kernel}"));
    }

    private static Tensor Initializer(OnnxGraphIndex graph, string name)
    {
        var proto = graph.Initializer(name);
        return Tensor.FromArray(OnnxTensors.ToFloatArray(proto), OnnxTensors.Shape(proto));
    }
}
