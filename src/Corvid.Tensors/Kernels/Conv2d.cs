using System.Buffers;
using System.Numerics.Tensors;

namespace Corvid.Tensors.Kernels;

/// <summary>
/// 2-D convolution (and 1-D, as height 1) in NCHW float32 on contiguous spans: forward and the two
/// gradients. PyTorch's semantics: cross-correlation with stride, zero padding, dilation and groups.
/// </summary>
/// <remarks>
/// Each (image, group) becomes one matrix multiply over its im2col matrix: forward is
/// <c>W[OC/g, C/g·KH·KW] × col[C/g·KH·KW, OH·OW]</c>, the input gradient is <c>Wᵀ × dY</c> folded back
/// by col2im (which is also conv_transpose's forward), the weight gradient is <c>dY × colᵀ</c> summed
/// over the batch. A 1x1 convolution with stride 1 and no padding needs no im2col: the image is the column matrix.
/// </remarks>
public static class Conv2d
{
    /// <summary>Output <c>[N, OC, OH, OW]</c> (overwritten) of input <c>[N, C, H, W]</c>, weight <c>[OC, C/groups, KH, KW]</c> and bias (empty or <c>[OC]</c>).</summary>
    public static void Forward(in Conv2dGeometry g, ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output)
    {
        g.Validate();
        CheckInput(g, input);
        CheckWeight(g, weight);
        if (bias.Length != 0 && bias.Length != g.OutChannels)
            throw new ArgumentException($"conv2d: bias has {bias.Length} elements, expected 0 or OutChannels {g.OutChannels}");
        CheckOutput("output", g, output.Length);

        int hw = g.InHeight * g.InWidth, ohw = g.OutHeight * g.OutWidth;
        int cg = g.InChannelsPerGroup, ocg = g.OutChannelsPerGroup, patch = g.PatchLength;
        bool pointwise = IsPointwise(g);
        float[]? col = pointwise ? null : ArrayPool<float>.Shared.Rent(patch * ohw);
        try
        {
            for (int n = 0; n < g.Batch; n++)
            {
                for (int grp = 0; grp < g.Groups; grp++)
                {
                    var image = input.Slice((n * g.InChannels + grp * cg) * hw, cg * hw);
                    ReadOnlySpan<float> columns = image;
                    if (col is not null)
                    {
                        Im2Col.Pack(g, cg, image, col);
                        columns = col.AsSpan(0, patch * ohw);
                    }
                    var outGroup = output.Slice((n * g.OutChannels + grp * ocg) * ohw, ocg * ohw);
                    Gemm.Multiply(ocg, ohw, patch, weight.Slice(grp * ocg * patch, ocg * patch), patch, 1,
                        columns, ohw, 1, outGroup, ohw, accumulate: false);
                    if (bias.Length != 0)
                    {
                        for (int o = 0; o < ocg; o++)
                        {
                            var plane = outGroup.Slice(o * ohw, ohw);
                            TensorPrimitives.Add(plane, bias[grp * ocg + o], plane);
                        }
                    }
                }
            }
        }
        finally
        {
            if (col is not null) ArrayPool<float>.Shared.Return(col);
        }
    }

    /// <summary>Gradient w.r.t. the input, <c>[N, C, H, W]</c> (overwritten); also conv_transpose2d's forward with this weight.</summary>
    public static void BackwardInput(in Conv2dGeometry g, ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> weight, Span<float> gradInput)
    {
        g.Validate();
        CheckOutput("gradOutput", g, gradOutput.Length);
        CheckWeight(g, weight);
        Conv2dGeometry.CheckLength("gradInput", gradInput.Length, g.InputLength, InputShape(g));

        int hw = g.InHeight * g.InWidth, ohw = g.OutHeight * g.OutWidth;
        int cg = g.InChannelsPerGroup, ocg = g.OutChannelsPerGroup, patch = g.PatchLength;
        bool pointwise = IsPointwise(g);
        if (!pointwise) gradInput.Clear();
        float[]? col = pointwise ? null : ArrayPool<float>.Shared.Rent(patch * ohw);
        try
        {
            for (int n = 0; n < g.Batch; n++)
            {
                for (int grp = 0; grp < g.Groups; grp++)
                {
                    var gradOut = gradOutput.Slice((n * g.OutChannels + grp * ocg) * ohw, ocg * ohw);
                    var gradImage = gradInput.Slice((n * g.InChannels + grp * cg) * hw, cg * hw);
                    // Wᵀ: element (row p of the patch, output channel o) sits at w[o·patch + p].
                    var w = weight.Slice(grp * ocg * patch, ocg * patch);
                    if (col is null)
                    {
                        Gemm.Multiply(patch, ohw, ocg, w, 1, patch, gradOut, ohw, 1, gradImage, ohw, accumulate: false);
                        continue;
                    }
                    var columns = col.AsSpan(0, patch * ohw);
                    Gemm.Multiply(patch, ohw, ocg, w, 1, patch, gradOut, ohw, 1, columns, ohw, accumulate: false);
                    Im2Col.UnpackAdd(g, cg, columns, gradImage);
                }
            }
        }
        finally
        {
            if (col is not null) ArrayPool<float>.Shared.Return(col);
        }
    }

    /// <summary>Gradient w.r.t. the weight, <c>[OC, C/groups, KH, KW]</c> (overwritten), summed over the batch.</summary>
    public static void BackwardWeight(in Conv2dGeometry g, ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> input, Span<float> gradWeight)
    {
        g.Validate();
        CheckOutput("gradOutput", g, gradOutput.Length);
        CheckInput(g, input);
        Conv2dGeometry.CheckLength("gradWeight", gradWeight.Length, g.WeightLength, WeightShape(g));

        int hw = g.InHeight * g.InWidth, ohw = g.OutHeight * g.OutWidth;
        int cg = g.InChannelsPerGroup, ocg = g.OutChannelsPerGroup, patch = g.PatchLength;
        if (g.Batch == 0)
        {
            gradWeight.Clear();
            return;
        }
        bool pointwise = IsPointwise(g);
        float[]? col = pointwise ? null : ArrayPool<float>.Shared.Rent(patch * ohw);
        try
        {
            for (int n = 0; n < g.Batch; n++)
            {
                for (int grp = 0; grp < g.Groups; grp++)
                {
                    var image = input.Slice((n * g.InChannels + grp * cg) * hw, cg * hw);
                    ReadOnlySpan<float> columns = image;
                    if (col is not null)
                    {
                        Im2Col.Pack(g, cg, image, col);
                        columns = col.AsSpan(0, patch * ohw);
                    }
                    var gradOut = gradOutput.Slice((n * g.OutChannels + grp * ocg) * ohw, ocg * ohw);
                    // colᵀ: element (spatial s, patch row p) sits at col[p·ohw + s].
                    Gemm.Multiply(ocg, patch, ohw, gradOut, ohw, 1, columns, 1, ohw,
                        gradWeight.Slice(grp * ocg * patch, ocg * patch), patch, accumulate: n > 0);
                }
            }
        }
        finally
        {
            if (col is not null) ArrayPool<float>.Shared.Return(col);
        }
    }

    /// <summary>Gradient w.r.t. the bias, <c>[OC]</c> (overwritten): the output gradient summed over batch and space.</summary>
    public static void BackwardBias(in Conv2dGeometry g, ReadOnlySpan<float> gradOutput, Span<float> gradBias)
    {
        g.Validate();
        CheckOutput("gradOutput", g, gradOutput.Length);
        Conv2dGeometry.CheckLength("gradBias", gradBias.Length, g.OutChannels, $"[{g.OutChannels}]");
        int ohw = g.OutHeight * g.OutWidth;
        gradBias.Clear();
        for (int n = 0; n < g.Batch; n++)
            for (int o = 0; o < g.OutChannels; o++)
                gradBias[o] += TensorPrimitives.Sum(gradOutput.Slice((n * g.OutChannels + o) * ohw, ohw));
    }

    static bool IsPointwise(in Conv2dGeometry g) =>
        g.KernelHeight == 1 && g.KernelWidth == 1 && g.StrideH == 1 && g.StrideW == 1 && g.PadH == 0 && g.PadW == 0;

    static string InputShape(in Conv2dGeometry g) => $"[{g.Batch}, {g.InChannels}, {g.InHeight}, {g.InWidth}]";

    static string WeightShape(in Conv2dGeometry g) => $"[{g.OutChannels}, {g.InChannelsPerGroup}, {g.KernelHeight}, {g.KernelWidth}]";

    static void CheckInput(in Conv2dGeometry g, ReadOnlySpan<float> input) =>
        Conv2dGeometry.CheckLength("input", input.Length, g.InputLength, InputShape(g));

    static void CheckWeight(in Conv2dGeometry g, ReadOnlySpan<float> weight) =>
        Conv2dGeometry.CheckLength("weight", weight.Length, g.WeightLength, WeightShape(g));

    static void CheckOutput(string role, in Conv2dGeometry g, int length) =>
        Conv2dGeometry.CheckLength(role, length, g.OutputLength, $"[{g.Batch}, {g.OutChannels}, {g.OutHeight}, {g.OutWidth}]");
}
