using System.Buffers;
using Corvid.Serving.Models;
using SkiaSharp;

namespace Corvid.Serving.Handlers;

/// <summary>
/// The torchvision pipeline the article's classifier uses, on SkiaSharp-decoded pixels:
/// <c>Resize(256)</c> (shorter side to 256, bilinear) → <c>CenterCrop(224)</c> → <c>ToTensor()</c> →
/// <c>Normalize(ImageNet mean, std)</c>, producing a (3,224,224) RGB float tensor. A manifest's <c>image</c>
/// section (<see cref="ImagePreprocessing"/>) changes the sizes, the statistics and RGB for luma, e.g. for a
/// 28×28 grayscale Fashion-MNIST model.
///
/// The resize is Pillow's own algorithm (torchvision resizes PIL images with Pillow): a triangle filter
/// whose support widens with the downscale factor, so a large photo is averaged, not aliased, and 8-bit
/// fixed-point arithmetic with rounding after each pass. Skia's bilinear filter does not widen its support,
/// so features would drift from what the model saw in training. Only the 224×224 crop window is computed.
/// </summary>
public static class ImagePreprocessor
{
    public const int ResizeTo = 256;
    public const int CropTo = 224;
    /// <summary>Decoding larger images is refused: 8,000 × 8,000 RGBA is already 256 MB.</summary>
    public const long MaxPixels = 64_000_000;

    /// <summary>Decodes JPEG, PNG, WebP, GIF or BMP bytes and writes the (3,224,224) ImageNet tensor into <paramref name="chw"/>.</summary>
    public static void Preprocess(ReadOnlySpan<byte> encoded, Span<float> chw) => Preprocess(encoded, chw, ImagePreprocessing.ImageNet);

    public static float[] Preprocess(ReadOnlySpan<byte> encoded) => Preprocess(encoded, ImagePreprocessing.ImageNet);

    /// <summary>
    /// Decodes the image and writes the (channels, crop, crop) tensor of <paramref name="pipeline"/> into
    /// <paramref name="chw"/>: resize the shorter side, centre crop, optionally to luma, then normalise.
    /// </summary>
    public static void Preprocess(ReadOnlySpan<byte> encoded, Span<float> chw, ImagePreprocessing pipeline)
    {
        var crop = pipeline.Crop;
        var needed = pipeline.Channels * crop * crop;
        if (chw.Length != needed) throw new ArgumentException($"destination holds {chw.Length} floats, the image tensor needs {needed}");
        // Pixel buffers are rented: a 640x480 image needs 1.2 MB, and fresh large arrays on every request
        // would keep the garbage collector busy on the cores the model needs.
        var (rgba, width, height) = DecodeRgba(encoded);
        try
        {
            var (outW, outH) = ResizedSize(width, height, pipeline.Resize);
            var left = (int)Math.Round((outW - crop) / 2.0, MidpointRounding.ToEven);
            var top = (int)Math.Round((outH - crop) / 2.0, MidpointRounding.ToEven);
            var cropped = ResampleWindow(rgba, width, height, outW, outH, left, top, crop, crop);
            try
            {
                if (pipeline.Grayscale) NormalizeLuma(cropped, chw, crop * crop, pipeline.Mean[0], pipeline.Std[0]);
                else Normalize(cropped, chw, crop * crop, pipeline.Mean, pipeline.Std);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(cropped);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rgba);
        }
    }

    public static float[] Preprocess(ReadOnlySpan<byte> encoded, ImagePreprocessing pipeline)
    {
        var chw = new float[pipeline.Channels * pipeline.Crop * pipeline.Crop];
        Preprocess(encoded, chw, pipeline);
        return chw;
    }

    /// <summary>torchvision's Resize(int): the shorter side becomes <paramref name="size"/>, the longer keeps the aspect ratio (truncated).</summary>
    public static (int Width, int Height) ResizedSize(int width, int height, int size)
    {
        if (width <= height) return (size, (int)((long)size * height / width));
        return ((int)((long)size * width / height), size);
    }

    private static (byte[] Rgba, int Width, int Height) DecodeRgba(ReadOnlySpan<byte> encoded)
    {
        if (encoded.IsEmpty) throw new BadInputException("the request body is empty; send the image bytes (JPEG, PNG or WebP)");
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data)
            ?? throw new BadInputException($"the request body ({encoded.Length} bytes) is not an image SkiaSharp can decode (JPEG, PNG, WebP, GIF, BMP)");
        var (width, height) = (codec.Info.Width, codec.Info.Height);
        if (width <= 0 || height <= 0 || (long)width * height > MaxPixels)
        {
            throw new BadInputException($"image is {width}x{height}; at most {MaxPixels} pixels are accepted");
        }
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var rgba = ArrayPool<byte>.Shared.Rent(info.BytesSize);
        var handle = System.Runtime.InteropServices.GCHandle.Alloc(rgba, System.Runtime.InteropServices.GCHandleType.Pinned);
        try
        {
            var result = codec.GetPixels(info, handle.AddrOfPinnedObject());
            if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
            {
                ArrayPool<byte>.Shared.Return(rgba);
                throw new BadInputException($"the image could not be decoded: {result}");
            }
        }
        finally
        {
            handle.Free();
        }
        return (rgba, width, height);
    }

    // Pillow's Resample.c, BILINEAR: fixed-point weights with 22 fractional bits.
    private const int PrecisionBits = 32 - 8 - 2;

    private readonly record struct Taps(int[] Start, int[] Count, int[] Weights, int Stride);

    private static Taps Coefficients(int inSize, int outSize, int first, int count)
    {
        double scale = (double)inSize / outSize;
        var filterScale = Math.Max(scale, 1.0);
        var support = 1.0 * filterScale;
        var stride = (int)Math.Ceiling(support) * 2 + 1;
        var starts = new int[count];
        var counts = new int[count];
        var weights = new int[count * stride];
        var k = new double[stride];
        for (var i = 0; i < count; i++)
        {
            var xx = first + i;
            var center = (xx + 0.5) * scale;
            var ss = 1.0 / filterScale;
            var xmin = Math.Max((int)(center - support + 0.5), 0);
            var xmax = Math.Min((int)(center + support + 0.5), inSize) - xmin;
            double sum = 0;
            for (var x = 0; x < xmax; x++)
            {
                var t = Math.Abs((x + xmin - center + 0.5) * ss);
                var w = t < 1.0 ? 1.0 - t : 0.0;
                k[x] = w;
                sum += w;
            }
            for (var x = 0; x < xmax; x++)
            {
                var w = sum != 0 ? k[x] / sum : k[x];
                weights[i * stride + x] = w < 0 ? (int)(-0.5 + w * (1 << PrecisionBits)) : (int)(0.5 + w * (1 << PrecisionBits));
            }
            starts[i] = xmin;
            counts[i] = xmax;
        }
        return new Taps(starts, counts, weights, stride);
    }

    private static byte Clip8(int value)
    {
        var shifted = value >> PrecisionBits;
        return (byte)Math.Clamp(shifted, 0, 255);
    }

    /// <summary>Resizes (width,height) to (outW,outH) but computes only the window at (left,top) of size (w,h); RGB out, in a rented buffer.</summary>
    private static byte[] ResampleWindow(byte[] rgba, int width, int height, int outW, int outH, int left, int top, int w, int h)
    {
        var horizontal = Coefficients(width, outW, left, w);
        var vertical = Coefficients(height, outH, top, h);
        var rowFirst = vertical.Start[0];
        var rowLast = vertical.Start[h - 1] + vertical.Count[h - 1];
        var rows = rowLast - rowFirst;

        // Horizontal pass over the source rows the vertical pass will read; 8-bit result as in Pillow.
        var mid = ArrayPool<byte>.Shared.Rent(rows * w * 3);
        for (var y = 0; y < rows; y++)
        {
            var src = (rowFirst + y) * width * 4;
            var dst = y * w * 3;
            for (var x = 0; x < w; x++)
            {
                int r = 1 << (PrecisionBits - 1), g = r, b = r;
                var start = horizontal.Start[x];
                var k = x * horizontal.Stride;
                for (var t = 0; t < horizontal.Count[x]; t++)
                {
                    var p = src + (start + t) * 4;
                    var weight = horizontal.Weights[k + t];
                    r += rgba[p] * weight;
                    g += rgba[p + 1] * weight;
                    b += rgba[p + 2] * weight;
                }
                mid[dst + x * 3] = Clip8(r);
                mid[dst + x * 3 + 1] = Clip8(g);
                mid[dst + x * 3 + 2] = Clip8(b);
            }
        }

        var output = ArrayPool<byte>.Shared.Rent(w * h * 3);
        for (var y = 0; y < h; y++)
        {
            var start = vertical.Start[y] - rowFirst;
            var k = y * vertical.Stride;
            for (var x = 0; x < w * 3; x++)
            {
                var sum = 1 << (PrecisionBits - 1);
                for (var t = 0; t < vertical.Count[y]; t++)
                {
                    sum += mid[(start + t) * w * 3 + x] * vertical.Weights[k + t];
                }
                output[y * w * 3 + x] = Clip8(sum);
            }
        }
        ArrayPool<byte>.Shared.Return(mid);
        return output;
    }

    private static void Normalize(byte[] rgb, Span<float> chw, int plane, float[] means, float[] stds)
    {
        for (var c = 0; c < 3; c++)
        {
            var mean = means[c];
            var std = stds[c];
            var dst = chw.Slice(c * plane, plane);
            for (var i = 0; i < plane; i++)
            {
                dst[i] = (rgb[i * 3 + c] / 255f - mean) / std;
            }
        }
    }

    /// <summary>
    /// Pillow's <c>convert("L")</c>: ITU-R 601-2 luma in 16-bit fixed point, rounded, so a gray pixel
    /// (r = g = b) keeps its exact value; then the same scaling and normalisation as an RGB channel.
    /// </summary>
    private static void NormalizeLuma(byte[] rgb, Span<float> chw, int plane, float mean, float std)
    {
        var dst = chw[..plane];
        for (var i = 0; i < plane; i++)
        {
            var luma = (rgb[i * 3] * 19595 + rgb[i * 3 + 1] * 38470 + rgb[i * 3 + 2] * 7471 + 0x8000) >> 16;
            dst[i] = (luma / 255f - mean) / std;
        }
    }
}
