using Corvid.Tensors;

namespace Corvid.Nn.Tests.Layers;

/// <summary>
/// Every layer against PyTorch (tools/nn_fixtures.py): PyTorch's state dict is loaded strictly (so the
/// parameter and buffer names must be PyTorch's), then the output, the input gradient and every
/// parameter gradient must match, and buffers after the forward too.
/// </summary>
public class LayerFixtureTests
{
    private const string File = "layers.safetensors";

    private static Sequential SmallCnn() =>
        new(new Conv2d(3, 4, 3, padding: 1), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(4 * 4 * 4, 5));

    /// <summary>The Corvid module for each fixture case, built as the script builds the PyTorch one.</summary>
    internal static readonly Dictionary<string, Func<Module<Tensor, Tensor>>> Builders = new()
    {
        ["linear"] = () => new Linear(5, 3),
        ["linear_nobias_3d"] = () => new Linear(5, 3, bias: false),
        ["sequential_mlp"] = () => new Sequential(new Linear(6, 8), new ReLU(), new Linear(8, 3)),
        ["conv1d"] = () => new Conv1d(3, 5, 3),
        ["conv1d_strided_groups"] = () => new Conv1d(4, 6, 5, stride: 2, padding: 2, groups: 2),
        ["conv1d_dilated_nobias"] = () => new Conv1d(3, 4, 3, dilation: 2, padding: 2, bias: false),
        ["conv2d"] = () => new Conv2d(3, 4, 3),
        ["conv2d_stride_pad_rect"] = () => new Conv2d(3, 6, (3, 5), stride: (2, 1), padding: (1, 2)),
        ["conv2d_depthwise_nobias"] = () => new Conv2d(4, 8, 3, padding: 1, groups: 4, bias: false),
        ["conv2d_dilated"] = () => new Conv2d(2, 3, 3, dilation: 2, padding: 2),
        ["conv2d_unbatched"] = () => new Conv2d(3, 4, 3),
        ["conv_transpose1d"] = () => new ConvTranspose1d(4, 3, 4, stride: 2, padding: 1),
        ["conv_transpose1d_outpad_groups"] = () => new ConvTranspose1d(4, 6, 3, stride: 2, padding: 1, outputPadding: 1, groups: 2),
        ["conv_transpose2d"] = () => new ConvTranspose2d(3, 2, 3, stride: 2, padding: 1, outputPadding: 1),
        ["conv_transpose2d_dilated_groups"] = () => new ConvTranspose2d(2, 4, (2, 3), stride: (1, 2), dilation: (2, 1), groups: 2, bias: false),
        ["embedding"] = () => new Embedding(10, 4),
        ["embedding_padding"] = () => new Embedding(10, 4, paddingIdx: 0),
        ["embedding_padding_negative"] = () => new Embedding(7, 3, paddingIdx: -1),
        ["layer_norm"] = () => new LayerNorm(8),
        ["layer_norm_2d_shape"] = () => new LayerNorm([3, 4]),
        ["layer_norm_no_affine"] = () => new LayerNorm(6, eps: 1e-3f, elementwiseAffine: false),
        ["group_norm"] = () => new GroupNorm(2, 6),
        ["group_norm_no_affine_3d"] = () => new GroupNorm(3, 6, eps: 1e-3f, affine: false),
        ["relu"] = () => new ReLU(),
        ["gelu"] = () => new GELU(),
        ["gelu_tanh"] = () => new GELU("tanh"),
        ["silu"] = () => new SiLU(),
        ["elu"] = () => new ELU(0.7f),
        ["tanh"] = () => new Tanh(),
        ["sigmoid"] = () => new Sigmoid(),
        ["leaky_relu"] = () => new LeakyReLU(0.2f),
        ["softmax"] = () => new Softmax(1),
        ["log_softmax"] = () => new LogSoftmax(-1),
        ["flatten"] = () => new Flatten(),
        ["flatten_0_1"] = () => new Flatten(0, 1),
        ["identity"] = () => new Identity(),
        ["dropout_eval"] = () => new Dropout(0.5f),
        ["max_pool2d"] = () => new MaxPool2d(2),
        ["max_pool2d_pad_ceil"] = () => new MaxPool2d(3, stride: 2, padding: 1, ceilMode: true),
        ["max_pool2d_rect_dilated"] = () => new MaxPool2d((2, 3), stride: (1, 2), dilation: (2, 1)),
        ["avg_pool2d"] = () => new AvgPool2d(2),
        ["avg_pool2d_pad_exclude"] = () => new AvgPool2d(3, stride: 2, padding: 1, countIncludePad: false),
        ["adaptive_avg_pool2d"] = () => new AdaptiveAvgPool2d((3, 2)),
        ["adaptive_avg_pool2d_1"] = () => new AdaptiveAvgPool2d(1),
        ["small_cnn_train"] = SmallCnn,
        ["small_cnn_eval"] = SmallCnn,
    };

    public static IEnumerable<object[]> Cases() => NnFixtures.Cases(File);

    [Fact]
    public void Every_fixture_case_has_a_builder_and_every_builder_a_case()
    {
        var fixtureCases = Cases().Select(c => (string)c[0]).ToHashSet();
        Assert.Equal(fixtureCases.Order(), Builders.Keys.Order());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Layer_matches_pytorch(string name)
    {
        var meta = NnFixtures.Meta(File, name);
        double rtol = meta.GetProperty("rtol").GetDouble(), atol = meta.GetProperty("atol").GetDouble();
        var module = Builders[name]();
        module.LoadStateDict(NnFixtures.WithPrefix(File, $"{name}.state"), strict: true);
        module.Train(meta.GetProperty("train").GetBoolean());

        var input = NnFixtures.Get(File, $"{name}.input");
        var x = input.DType == DType.Float32 ? NnFixtures.Leaf(input) : input;
        var y = module.Forward(x);
        Numerics.AssertClose(NnFixtures.Get(File, $"{name}.output"), y, rtol, atol, $"{name} output");

        y.Backward(NnFixtures.Get(File, $"{name}.grad_output"));
        if (NnFixtures.Find(File, $"{name}.grad.input") is { } gradInput)
            Numerics.AssertClose(gradInput, x.Grad!, rtol, atol, $"{name} input gradient");
        var expectedGrads = NnFixtures.WithPrefix(File, $"{name}.grad");
        foreach (var (param, p) in module.NamedParameters())
            Numerics.AssertClose(expectedGrads[param], p.Grad ?? throw new Xunit.Sdk.XunitException($"{name}: {param} got no gradient"), rtol, atol, $"{name} gradient of {param}");
        Assert.Equal(expectedGrads.Keys.Where(k => k != "input").Order(), module.NamedParameters().Select(p => p.Name).Order());

        foreach (var (buffer, value) in module.NamedBuffers())
        {
            var expected = NnFixtures.Get(File, $"{name}.after.{buffer}");
            if (value.DType == DType.Int64) Assert.Equal(expected.ToLongArray(), value.ToLongArray());
            else Numerics.AssertClose(expected, value, rtol, atol, $"{name} buffer {buffer} after the forward");
        }
    }
}
