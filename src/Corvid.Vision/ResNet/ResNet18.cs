using Corvid.Nn;
using Corvid.Tensors;

namespace Corvid.Vision;

/// <summary>
/// ResNet18's hyperparameters. <paramref name="NumClasses"/> null leaves out the classifier: the model then
/// ends at the 512-d global-average-pooled features, like the featurizer ONNX file of
/// Microsoft.ML.DnnImageFeaturizer.ResNet18. <paramref name="StageBlocks"/> is the number of
/// <see cref="BasicBlock"/>s in each of the four stages: torchvision's resnet18 has [2, 2, 2, 2]; the
/// network in that package (a CNTK export) has [2, 2, 2, 3], and its loader reads the layout from the file.
/// </summary>
public sealed record ResNet18Config(int? NumClasses = 1000, IReadOnlyList<int>? StageBlocks = null)
{
    /// <summary>torchvision's featurizer: no fc, output (N, 512).</summary>
    public static ResNet18Config Featurizer { get; } = new(NumClasses: null);

    /// <summary>Width of each of the four stages.</summary>
    public static IReadOnlyList<int> StageWidths { get; } = [64, 128, 256, 512];

    public IReadOnlyList<int> Blocks => StageBlocks ?? [2, 2, 2, 2];
}

/// <summary>
/// ResNet18 (He et al. 2015) with torchvision's layout and parameter names (conv1, bn1, layer1.0.conv1, …,
/// layer2.0.downsample.0, …, fc), so a torchvision state dict loads into it unchanged.
/// </summary>
public sealed class ResNet18 : Module<Tensor, Tensor>
{
    private readonly ConvBnFold _stem;
    private readonly MaxPool2d _maxpool;
    private readonly Sequential[] _stages;
    private readonly Linear? _fc;

    public ResNet18(ResNet18Config config)
    {
        Config = config;
        _stem = new ConvBnFold(
            RegisterModule("conv1", new Conv2d(3, 64, 7, stride: 2, padding: 3, bias: false)),
            RegisterModule("bn1", new BatchNorm2d(64)));
        _maxpool = RegisterModule("maxpool", new MaxPool2d(3, stride: 2, padding: 1));
        if (config.Blocks.Count != ResNet18Config.StageWidths.Count || config.Blocks.Any(b => b < 1))
            throw new ArgumentException($"ResNet18: expected a positive block count for each of the 4 stages, got [{string.Join(", ", config.Blocks)}]");
        _stages = new Sequential[ResNet18Config.StageWidths.Count];
        int width = 64;
        for (int i = 0; i < _stages.Length; i++)
        {
            int outWidth = ResNet18Config.StageWidths[i];
            int stride = i == 0 ? 1 : 2; // every stage after the first halves the resolution
            var stage = new Sequential(new BasicBlock(width, outWidth, stride));
            for (int b = 1; b < config.Blocks[i]; b++) stage.Add(new BasicBlock(outWidth, outWidth, 1));
            _stages[i] = RegisterModule($"layer{i + 1}", stage);
            width = outWidth;
        }
        if (config.NumClasses is { } classes) _fc = RegisterModule("fc", new Linear(width, classes));
    }

    public ResNet18Config Config { get; }

    /// <summary>Width of the pooled features, the input of fc.</summary>
    public const int FeatureWidth = 512;

    public override Tensor Forward(Tensor x)
    {
        // x: (N, 3, 224, 224) at ImageNet size; any size ≥ 32 works
        x = ConvBnFold.Relu(_stem.Forward(x));              // (N, 64, 112, 112); conv1 + bn1 folded in eval mode
        x = _maxpool.Forward(x);                            // (N, 64, 56, 56)
        foreach (var stage in _stages) x = stage.Forward(x); // (N, 64, 56, 56) → (N, 128, 28, 28) → (N, 256, 14, 14) → (N, 512, 7, 7)
        x = F.AdaptiveAvgPool2d(x, 1).Flatten(1);           // (N, 512)
        return _fc is null ? x : _fc.Forward(x);            // (N, classes) or the (N, 512) features
    }
}
