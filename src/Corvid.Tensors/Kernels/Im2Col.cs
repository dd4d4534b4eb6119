using System.Runtime.CompilerServices;

namespace Corvid.Tensors.Kernels;

/// <summary>
/// Unfolds the receptive fields of one image (one group's channels) into the columns of a matrix, so
/// a convolution becomes a matrix multiply, and folds such a matrix back (the adjoint, for gradients).
/// </summary>
/// <remarks>
/// Layout: <c>col[(c·KH + kh)·KW + kw, oh·OW + ow] = image[c, oh·sh − ph + kh·dh, ow·sw − pw + kw·dw]</c>,
/// zero where that position lies in the padding. Rows follow the weight's <c>[C/groups, KH, KW]</c>
/// order, so the weight of a group is the left operand as it is stored.
/// </remarks>
internal static class Im2Col
{
    /// <summary>
    /// Fills <paramref name="col"/> (<c>[channels·KH·KW, OH·OW]</c>, rows <paramref name="ld"/> apart, so several
    /// images can sit side by side) from <paramref name="image"/> (<c>[channels, H, W]</c>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Pack(in Conv2dGeometry g, int channels, ReadOnlySpan<float> image, Span<float> col, int ld)
    {
        int h = g.InHeight, w = g.InWidth, oh = g.OutHeight, ow = g.OutWidth, ohw = oh * ow;
        int row = 0;
        for (int c = 0; c < channels; c++)
        {
            var plane = image.Slice(c * h * w, h * w);
            for (int kh = 0; kh < g.KernelHeight; kh++)
            {
                for (int kw = 0; kw < g.KernelWidth; kw++, row++)
                {
                    var dst = col.Slice(row * ld, ohw);
                    int wOffset = kw * g.DilationW - g.PadW;
                    var (owStart, owEnd) = ValidRange(wOffset, g.StrideW, w, ow);
                    for (int y = 0; y < oh; y++)
                    {
                        var dstRow = dst.Slice(y * ow, ow);
                        int ih = y * g.StrideH - g.PadH + kh * g.DilationH;
                        if ((uint)ih >= (uint)h)
                        {
                            dstRow.Clear();
                            continue;
                        }
                        var src = plane.Slice(ih * w, w);
                        dstRow[..owStart].Clear();
                        dstRow[owEnd..].Clear();
                        if (g.StrideW == 1)
                        {
                            src.Slice(owStart + wOffset, owEnd - owStart).CopyTo(dstRow[owStart..owEnd]);
                        }
                        else
                        {
                            for (int x = owStart; x < owEnd; x++) dstRow[x] = src[x * g.StrideW + wOffset];
                        }
                    }
                }
            }
        }
    }

    /// <summary>Adds every entry of <paramref name="col"/> (rows <paramref name="ld"/> apart) back onto the image position it was read from.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void UnpackAdd(in Conv2dGeometry g, int channels, ReadOnlySpan<float> col, Span<float> image, int ld)
    {
        int h = g.InHeight, w = g.InWidth, oh = g.OutHeight, ow = g.OutWidth, ohw = oh * ow;
        int row = 0;
        for (int c = 0; c < channels; c++)
        {
            var plane = image.Slice(c * h * w, h * w);
            for (int kh = 0; kh < g.KernelHeight; kh++)
            {
                for (int kw = 0; kw < g.KernelWidth; kw++, row++)
                {
                    var src = col.Slice(row * ld, ohw);
                    int wOffset = kw * g.DilationW - g.PadW;
                    var (owStart, owEnd) = ValidRange(wOffset, g.StrideW, w, ow);
                    if (owStart >= owEnd) continue;
                    for (int y = 0; y < oh; y++)
                    {
                        int ih = y * g.StrideH - g.PadH + kh * g.DilationH;
                        if ((uint)ih >= (uint)h) continue;
                        var dst = plane.Slice(ih * w, w);
                        var srcRow = src.Slice(y * ow, ow);
                        if (g.StrideW == 1)
                        {
                            var d = dst.Slice(owStart + wOffset, owEnd - owStart);
                            System.Numerics.Tensors.TensorPrimitives.Add(d, srcRow[owStart..owEnd], d);
                        }
                        else
                        {
                            for (int x = owStart; x < owEnd; x++) dst[x * g.StrideW + wOffset] += srcRow[x];
                        }
                    }
                }
            }
        }
    }

    /// <summary>The output columns <c>[start, end)</c> whose input column <c>x·stride + offset</c> lies inside <c>[0, width)</c>.</summary>
    internal static (int Start, int End) ValidRange(int offset, int stride, int width, int outWidth)
    {
        int start = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        int end = width - 1 - offset < 0 ? 0 : Math.Min(outWidth, (width - 1 - offset) / stride + 1);
        start = Math.Min(start, outWidth);
        return (start, Math.Max(start, end));
    }
}
