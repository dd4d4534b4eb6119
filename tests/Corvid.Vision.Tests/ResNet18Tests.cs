using Corvid.Tensors;

namespace Corvid.Vision.Tests;

public sealed class ResNet18Tests
{
    [Fact]
    public void Classifier_has_torchvision_parameter_count_and_names()
    {
        var model = new ResNet18(new ResNet18Config(NumClasses: 1000));
        var parameters = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        // torchvision.models.resnet18(): sum(p.numel() for p in m.parameters()) == 11,689,512
        Assert.Equal(11_689_512L, parameters.Values.Sum(p => (long)p.Numel));
        Assert.Equal([64, 3, 7, 7], parameters["conv1.weight"].Shape.ToArray());
        Assert.Equal([128, 64, 1, 1], parameters["layer2.0.downsample.0.weight"].Shape.ToArray());
        Assert.Equal([512], parameters["layer4.1.bn2.bias"].Shape.ToArray());
        Assert.Equal([1000, 512], parameters["fc.weight"].Shape.ToArray());
        Assert.DoesNotContain(parameters.Keys, k => k.StartsWith("layer1.0.downsample", StringComparison.Ordinal));
    }

    [Fact]
    public void Featurizer_ends_at_pooled_features_for_any_even_size()
    {
        var model = new ResNet18(ResNet18Config.Featurizer);
        model.Eval();
        var y = model.Forward(Tensor.Randn(2, 3, 64, 64));
        Assert.Equal([2, ResNet18.FeatureWidth], y.Shape.ToArray());
        Assert.DoesNotContain(model.NamedParameters(), p => p.Name.StartsWith("fc", StringComparison.Ordinal));
    }
}
