using Corvid.Tensors.Kernels;

namespace Corvid.Tensors;

/// <summary>
/// The functional API, as <c>torch.nn.functional</c>: stateless ops that layers and models call.
/// </summary>
public static partial class F
{
    /// <summary>2-D convolution of x [N, C, H, W] with weight [O, C/groups, kH, kW].</summary>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias = null,
        (int H, int W)? stride = null, (int H, int W)? padding = null, (int H, int W)? dilation = null, int groups = 1)
    {
        var s = stride ?? (1, 1);
        var p = padding ?? (0, 0);
        var d = dilation ?? (1, 1);
        if (input.Rank != 4)
            throw new ArgumentException($"conv2d: expected input [N, C, H, W], got shape {ShapeMath.Format(input.shape)}");
        if (weight.Rank != 4)
            throw new ArgumentException($"conv2d: expected weight [O, C/groups, kH, kW], got shape {ShapeMath.Format(weight.shape)}");
        CheckChannels("conv2d", input, weight, groups);
        var g = new Conv2dGeometry(input.shape[0], input.shape[1], input.shape[2], input.shape[3], weight.shape[0],
            weight.shape[2], weight.shape[3], s.H, s.W, p.H, p.W, d.H, d.W, groups);
        g.Validate();
        if (bias is not null) CheckBias("conv2d", bias, weight.shape[0]);
        return ConvOps.Forward(input, weight, g, bias);
    }

    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias, int stride, int padding = 0, int dilation = 1, int groups = 1) =>
        Conv2d(input, weight, bias, (stride, stride), (padding, padding), (dilation, dilation), groups);

    /// <summary>1-D convolution of x [N, C, L] with weight [O, C/groups, k].</summary>
    public static Tensor Conv1d(Tensor input, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int dilation = 1, int groups = 1)
    {
        if (input.Rank != 3)
            throw new ArgumentException($"conv1d: expected input [N, C, L], got shape {ShapeMath.Format(input.shape)}");
        if (weight.Rank != 3)
            throw new ArgumentException($"conv1d: expected weight [O, C/groups, k], got shape {ShapeMath.Format(weight.shape)}");
        CheckChannels("conv1d", input, weight, groups);
        if (bias is not null) CheckBias("conv1d", bias, weight.shape[0]);
        return Conv2d(input.Unsqueeze(2), weight.Unsqueeze(2), bias, (1, stride), (0, padding), (1, dilation), groups).Squeeze(2);
    }

    /// <summary>Transposed 2-D convolution of x [N, Cin, H, W] with weight [Cin, Cout/groups, kH, kW].</summary>
    public static Tensor ConvTranspose2d(Tensor input, Tensor weight, Tensor? bias = null,
        (int H, int W)? stride = null, (int H, int W)? padding = null, (int H, int W)? outputPadding = null,
        int groups = 1, (int H, int W)? dilation = null)
    {
        var s = stride ?? (1, 1);
        var p = padding ?? (0, 0);
        var op = outputPadding ?? (0, 0);
        var d = dilation ?? (1, 1);
        if (input.Rank != 4)
            throw new ArgumentException($"conv_transpose2d: expected input [N, C, H, W], got shape {ShapeMath.Format(input.shape)}");
        if (weight.Rank != 4)
            throw new ArgumentException($"conv_transpose2d: expected weight [Cin, Cout/groups, kH, kW], got shape {ShapeMath.Format(weight.shape)}");
        if (input.shape[1] != weight.shape[0])
            throw new ArgumentException($"conv_transpose2d: input has {input.shape[1]} channels, weight expects {weight.shape[0]} (weight shape {ShapeMath.Format(weight.shape)})");
        if (weight.shape[0] % groups != 0)
            throw new ArgumentException($"conv_transpose2d: {weight.shape[0]} input channels are not divisible by groups {groups}");
        if (op.H >= Math.Max(s.H, d.H) || op.W >= Math.Max(s.W, d.W))
            throw new ArgumentException($"conv_transpose2d: output padding ({op.H}, {op.W}) must be smaller than stride or dilation");
        int outH = (input.shape[2] - 1) * s.H - 2 * p.H + d.H * (weight.shape[2] - 1) + op.H + 1;
        int outW = (input.shape[3] - 1) * s.W - 2 * p.W + d.W * (weight.shape[3] - 1) + op.W + 1;
        int outC = weight.shape[1] * groups;
        // The transposed convolution is the input gradient of the convolution that maps the output back to x.
        var g = new Conv2dGeometry(input.shape[0], outC, outH, outW, input.shape[1],
            weight.shape[2], weight.shape[3], s.H, s.W, p.H, p.W, d.H, d.W, groups);
        g.Validate();
        if (g.OutHeight != input.shape[2] || g.OutWidth != input.shape[3])
            throw new ArgumentException($"conv_transpose2d: input {input.shape[2]}x{input.shape[3]} is inconsistent with stride/padding (expected {g.OutHeight}x{g.OutWidth})");
        var y = ConvOps.InputGrad(input, weight, g);
        return bias is null ? y : y + ChannelBias("conv_transpose2d", bias, outC, 2);
    }

    public static Tensor ConvTranspose2d(Tensor input, Tensor weight, Tensor? bias, int stride, int padding = 0, int outputPadding = 0, int groups = 1, int dilation = 1) =>
        ConvTranspose2d(input, weight, bias, (stride, stride), (padding, padding), (outputPadding, outputPadding), groups, (dilation, dilation));

    /// <summary>Transposed 1-D convolution of x [N, Cin, L] with weight [Cin, Cout/groups, k] (the speech decoder's upsampler).</summary>
    public static Tensor ConvTranspose1d(Tensor input, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int outputPadding = 0, int groups = 1, int dilation = 1)
    {
        if (input.Rank != 3)
            throw new ArgumentException($"conv_transpose1d: expected input [N, C, L], got shape {ShapeMath.Format(input.shape)}");
        if (weight.Rank != 3)
            throw new ArgumentException($"conv_transpose1d: expected weight [Cin, Cout/groups, k], got shape {ShapeMath.Format(weight.shape)}");
        var y = ConvTranspose2d(input.Unsqueeze(2), weight.Unsqueeze(2), null, (1, stride), (0, padding), (0, outputPadding), groups, (1, dilation)).Squeeze(2);
        return bias is null ? y : y + ChannelBias("conv_transpose1d", bias, y.shape[1], 1);
    }

    private static void CheckChannels(string op, Tensor input, Tensor weight, int groups)
    {
        if (groups <= 0) throw new ArgumentException($"{op}: groups must be positive, got {groups}");
        if (input.shape[1] != weight.shape[1] * groups)
            throw new ArgumentException(
                $"{op}: input has {input.shape[1]} channels, weight expects {weight.shape[1] * groups} (weight shape {ShapeMath.Format(weight.shape)}, groups {groups}; input shape {ShapeMath.Format(input.shape)})");
        if (weight.shape[0] % groups != 0)
            throw new ArgumentException($"{op}: {weight.shape[0]} output channels are not divisible by groups {groups}");
    }

    private static void CheckBias(string op, Tensor bias, int channels)
    {
        if (bias.Rank != 1 || bias.shape[0] != channels)
            throw new ArgumentException($"{op}: bias has shape {ShapeMath.Format(bias.shape)}, expected [{channels}]");
    }

    /// <summary>A per-channel bias shaped to broadcast over [N, C, spatial…].</summary>
    private static Tensor ChannelBias(string op, Tensor bias, int channels, int spatialDims)
    {
        if (bias.Rank != 1 || bias.shape[0] != channels)
            throw new ArgumentException($"{op}: bias has shape {ShapeMath.Format(bias.shape)}, expected [{channels}]");
        return spatialDims == 2 ? bias.Reshape(1, channels, 1, 1) : bias.Reshape(1, channels, 1);
    }
}
