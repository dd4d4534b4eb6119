using Corvid.Onnx;
using Corvid.Tensors;
using Corvid.Tensors.Autograd;

namespace Corvid.Vision.Tests;

/// <summary>Corvid's ResNet18 with the packaged weights against ONNX Runtime on the same file and input.</summary>
public sealed class ResNet18OnnxTests(ResNet18OnnxTests.Models models) : IClassFixture<ResNet18OnnxTests.Models>
{
    public sealed class Models : IDisposable
    {
        public ResNet18 Corvid { get; } = ResNet18Onnx.Load();
        public OnnxRuntimeReference Reference { get; } = new();
        public void Dispose() => Reference.Dispose();
    }

    /// <summary>
    /// The network's input is BGR 0..255 minus a mean image, so values span about ±128; features reach ~10.
    /// Float32 sums over up to 4,608 products per output in a different order than ONNX Runtime's (which
    /// also folds batch norm into the convolutions): the tolerance is 1e-5 of the largest feature, absolute.
    /// Measured: 4.9e-6 over features up to 10.1, i.e. 5e-7 of the largest.
    /// </summary>
    [Theory]
    [InlineData(1, 11)]
    [InlineData(4, 12)]
    public void Features_match_onnx_runtime(int batch, int seed)
    {
        var random = new Random(seed);
        var images = new float[batch * 3 * 224 * 224];
        for (int i = 0; i < images.Length; i++) images[i] = (float)(random.NextDouble() * 256 - 128);

        float[] expected = models.Reference.Run(images, batch);
        float[] actual;
        using (GradMode.NoGrad())
        {
            var y = models.Corvid.Forward(Tensor.FromArray(images, batch, 3, 224, 224));
            Assert.Equal([batch, 512], y.Shape.ToArray());
            actual = y.ToArray();
        }

        float scale = expected.Max(MathF.Abs);
        Assert.True(scale > 1f, $"features are suspiciously small (max {scale})");
        float worst = expected.Zip(actual, (e, a) => MathF.Abs(e - a)).Max();
        Assert.True(worst <= 1e-5f * scale, $"max |Corvid − ONNX Runtime| = {worst} over features up to {scale} (batch {batch})");
    }

    [Fact]
    public void Every_parameter_and_running_statistic_comes_from_the_file()
    {
        var (config, state) = ResNet18Onnx.Read(OnnxGraph.Read(ResNet18Onnx.PackagedModelPath), "ResNet18.onnx");
        // The packaged network has three blocks in its last stage (torchvision's resnet18 has two).
        Assert.Equal([2, 2, 2, 3], config.Blocks);
        Assert.Null(config.NumClasses);
        var own = models.Corvid.StateDict().Keys.Where(k => !k.EndsWith("num_batches_tracked", StringComparison.Ordinal)).Order();
        Assert.Equal(own, state.Keys.Order());
        // 22 convolutions + 22 batch norms × 4 tensors: all 110 initializers of the file, each used once.
        Assert.Equal(110, state.Count);
        Assert.Equal(110, state.Values.Distinct().Count());
        Assert.Equal([512, 512, 3, 3], state["layer4.2.conv2.weight"].Shape.ToArray());
    }

    [Fact]
    public void A_graph_that_is_not_torchvision_resnet18_is_refused_with_the_node_named()
    {
        var model = OnnxGraph.Read(ResNet18Onnx.PackagedModelPath);
        var firstConv = model.Graph.Node.First(n => n.OpType == "Conv");
        firstConv.Attribute.Single(a => a.Name == "strides").Ints[0] = 1;

        var error = Assert.Throws<InvalidDataException>(() => ResNet18Onnx.Read(model, "edited.onnx"));
        Assert.Contains("edited.onnx", error.Message);
        Assert.Contains("conv1", error.Message);
        Assert.Contains("strides [1,2]", error.Message);
    }
}
