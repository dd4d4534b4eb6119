using Corvid.Nn;
using Corvid.Tensors;
using Layer = Corvid.Nn.Module<Corvid.Tensors.Tensor, Corvid.Tensors.Tensor>;

namespace Corvid.Serving.Engine;

/// <summary>
/// The layer types a model definition may use, by the snake_case name of their <c>torch.nn</c> class, with
/// PyTorch's argument names and defaults. Inside a sequential list their parameters get PyTorch's names
/// ("0.weight", "1.running_mean", ...), so the state dict of <c>nn.Sequential(...)</c> loads unchanged.
/// </summary>
internal static class LayerCatalog
{
    private static readonly Dictionary<string, Func<LayerArguments, Generator?, Layer>> Builders = new()
    {
        ["conv2d"] = (a, g) => new Conv2d(a.Int("in_channels"), a.Int("out_channels"), a.Pair("kernel_size"), a.Pair("stride", (1, 1)),
            a.Pair("padding", (0, 0), min: 0), a.Pair("dilation", (1, 1)), a.Int("groups", 1), a.Bool("bias", true), g),
        ["linear"] = (a, g) => new Linear(a.Int("in_features"), a.Int("out_features"), a.Bool("bias", true), g),
        ["batch_norm2d"] = (a, _) => new BatchNorm2d(a.Int("num_features"), (float)a.Number("eps", 1e-5, 0, 1), a.Number("momentum", 0.1, 0, 1)),
        ["batch_norm1d"] = (a, _) => new BatchNorm1d(a.Int("num_features"), (float)a.Number("eps", 1e-5, 0, 1), a.Number("momentum", 0.1, 0, 1)),
        ["max_pool2d"] = (a, _) =>
        {
            var kernel = a.Pair("kernel_size");
            return new MaxPool2d(kernel, a.OptionalPair("stride") ?? kernel, a.Pair("padding", (0, 0), min: 0), a.Pair("dilation", (1, 1)), a.Bool("ceil_mode", false));
        },
        ["avg_pool2d"] = (a, _) =>
        {
            var kernel = a.Pair("kernel_size");
            return new AvgPool2d(kernel, a.OptionalPair("stride") ?? kernel, a.Pair("padding", (0, 0), min: 0), a.Bool("count_include_pad", true));
        },
        ["adaptive_avg_pool2d"] = (a, _) => new AdaptiveAvgPool2d(a.Pair("output_size")),
        ["flatten"] = (a, _) => new Flatten(a.Int("start_dim", 1, min: int.MinValue), a.Int("end_dim", -1, min: int.MinValue)),
        ["dropout"] = (a, g) => new Dropout((float)a.Number("p", 0.5, 0, 1), g),
        ["relu"] = (_, _) => new ReLU(),
        ["leaky_relu"] = (a, _) => new LeakyReLU((float)a.Number("negative_slope", 0.01, -1e6, 1e6)),
        ["gelu"] = (a, _) => new GELU(a.String("approximate", "none", "none", "tanh")),
        ["silu"] = (_, _) => new SiLU(),
        ["tanh"] = (_, _) => new Tanh(),
        ["sigmoid"] = (_, _) => new Sigmoid(),
        ["identity"] = (_, _) => new Identity(),
    };

    public static IEnumerable<string> Names => Builders.Keys;

    /// <summary>Builds the layer, refusing unknown types, missing or mistyped fields and fields the type does not take.</summary>
    public static Layer Build(string type, LayerArguments arguments, Generator? generator)
    {
        if (!Builders.TryGetValue(type, out var build))
        {
            throw arguments.Error($"layer type '{type}' is unknown; known types: {string.Join(", ", Builders.Keys)}");
        }
        Layer layer;
        try
        {
            layer = build(arguments, generator);
        }
        catch (ArgumentException e)
        {
            // The layer's own checks (in_channels divisible by groups, ...) say what is wrong; add where.
            throw arguments.Error(e.Message);
        }
        arguments.RejectUnknownFields();
        return layer;
    }
}
