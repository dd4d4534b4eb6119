using Corvid.Tensors;

namespace Corvid.Nn;

/// <summary>Argument checks and PyTorch-style descriptions shared by the convolution layers.</summary>
internal static class ConvOptions
{
    public static void Check(string layer, int inChannels, int outChannels, int groups, int[] kernel, int[] stride, int[] padding, int[] dilation)
    {
        if (inChannels <= 0 || outChannels <= 0)
            throw new ArgumentException($"{layer}: channel counts must be positive, got in_channels={inChannels}, out_channels={outChannels}");
        if (groups <= 0) throw new ArgumentException($"{layer}: groups must be positive, got {groups}");
        if (inChannels % groups != 0) throw new ArgumentException($"{layer}: in_channels {inChannels} is not divisible by groups {groups}");
        if (outChannels % groups != 0) throw new ArgumentException($"{layer}: out_channels {outChannels} is not divisible by groups {groups}");
        if (kernel.Any(k => k <= 0)) throw new ArgumentException($"{layer}: kernel_size must be positive, got {Tuple(kernel)}");
        if (stride.Any(s => s <= 0)) throw new ArgumentException($"{layer}: stride must be positive, got {Tuple(stride)}");
        if (padding.Any(p => p < 0)) throw new ArgumentException($"{layer}: padding must be non-negative, got {Tuple(padding)}");
        if (dilation.Any(d => d <= 0)) throw new ArgumentException($"{layer}: dilation must be positive, got {Tuple(dilation)}");
    }

    /// <summary>
    /// Checks x is [N, C, spatial…] or unbatched [C, spatial…] with the layer's channel count and returns
    /// it batched; the error names the layer (its PyTorch-style description) and both shapes.
    /// </summary>
    public static Tensor Batched(Module layer, Tensor input, Tensor weight, int spatialDims, int channels, out bool unbatched)
    {
        int rank = spatialDims + 2;
        unbatched = input.Rank == rank - 1;
        if (input.Rank != rank && !unbatched)
            throw new ArgumentException($"{layer}: expected a {rank}-D input [N, C, {SpatialNames(spatialDims)}] or {rank - 1}-D unbatched input, got shape {ShapeMath.Format(input.Shape)} (weight shape {ShapeMath.Format(weight.Shape)})");
        var x = unbatched ? input.Unsqueeze(0) : input;
        if (x.Shape[1] != channels)
            throw new ArgumentException($"{layer}: input has {x.Shape[1]} channels, the layer expects {channels} (input shape {ShapeMath.Format(input.Shape)}, weight shape {ShapeMath.Format(weight.Shape)})");
        return x;
    }

    private static string SpatialNames(int spatialDims) => spatialDims == 1 ? "L" : "H, W";

    /// <summary>A Python tuple as PyTorch prints it: (3,) for one element, (3, 3) for two.</summary>
    public static string Tuple(int[] values) => values.Length == 1 ? $"({values[0]},)" : "(" + string.Join(", ", values) + ")";

    /// <summary>PyTorch's extra_repr of a convolution: defaults are left out.</summary>
    public static string Describe(int inChannels, int outChannels, int[] kernel, int[] stride, int[] padding, int[] dilation, int[] outputPadding, int groups, bool bias)
    {
        var parts = new List<string> { $"{inChannels}", $"{outChannels}", $"kernel_size={Tuple(kernel)}", $"stride={Tuple(stride)}" };
        if (padding.Any(p => p != 0)) parts.Add($"padding={Tuple(padding)}");
        if (dilation.Any(d => d != 1)) parts.Add($"dilation={Tuple(dilation)}");
        if (outputPadding.Any(p => p != 0)) parts.Add($"output_padding={Tuple(outputPadding)}");
        if (groups != 1) parts.Add($"groups={groups}");
        if (!bias) parts.Add("bias=False");
        return string.Join(", ", parts);
    }
}
