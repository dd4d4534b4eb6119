using System.Text.Json;
using Corvid.Serving.Handlers;

namespace Corvid.Serving.Tests;

/// <summary>Checks the preprocessing against torchvision's pipeline on Pillow (fixtures from tools/serving-preprocess-fixture.py).</summary>
public class ImagePreprocessorTests
{
    public static TheoryData<string> FixtureImages() => new() { "landscape.png", "portrait-noise.png", "photo.jpg" };

    [Theory]
    [MemberData(nameof(FixtureImages))]
    public void Matches_torchvision_resize_crop_normalise(string file)
    {
        using var doc = JsonDocument.Parse(TestImages.Fixture("preprocess.json"));
        var fixture = doc.RootElement.GetProperty("images").EnumerateArray().Single(e => e.GetProperty("file").GetString() == file);
        var stride = fixture.GetProperty("stride").GetInt32();
        var expected = fixture.GetProperty("sample").EnumerateArray().Select(e => e.GetSingle()).ToArray();

        var tensor = ImagePreprocessor.Preprocess(TestImages.Fixture(file));

        var actual = new List<float>();
        for (var c = 0; c < 3; c++)
            for (var y = 0; y < 224; y += stride)
                for (var x = 0; x < 224; x += stride)
                    actual.Add(tensor[c * 224 * 224 + y * 224 + x]);
        Assert.Equal(expected.Length, actual.Count);

        var maxDiff = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        // PNG: same pixels and Pillow's own fixed-point resampling, so equal up to float rounding.
        // JPEG: two libjpeg builds may differ by a level or two per pixel; one level is 1/255/0.224 = 0.0175.
        var tolerance = file.EndsWith(".png") ? 1e-4f : 3 * 0.0176f;
        Assert.True(maxDiff <= tolerance, $"{file}: largest difference from torchvision is {maxDiff}, allowed {tolerance}");

        var means = fixture.GetProperty("channelMeans").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        for (var c = 0; c < 3; c++)
        {
            var mean = tensor.AsSpan(c * 224 * 224, 224 * 224).ToArray().Average();
            Assert.InRange(mean, means[c] - 0.01f, means[c] + 0.01f);
        }
    }

    [Fact]
    public void Resize_keeps_aspect_ratio_like_torchvision()
    {
        Assert.Equal((256, 341), ImagePreprocessor.ResizedSize(300, 400, 256));
        Assert.Equal((341, 256), ImagePreprocessor.ResizedSize(400, 300, 256));
        Assert.Equal((256, 256), ImagePreprocessor.ResizedSize(1000, 1000, 256));
    }

    [Fact]
    public void A_body_that_is_not_an_image_is_refused_with_its_size()
    {
        var e = Assert.Throws<BadInputException>(() => ImagePreprocessor.Preprocess("hello, not an image"u8));
        Assert.Contains("19 bytes", e.Message);
        Assert.Contains("not an image", e.Message);
    }

    [Fact]
    public void An_empty_body_is_refused()
    {
        var e = Assert.Throws<BadInputException>(() => ImagePreprocessor.Preprocess(ReadOnlySpan<byte>.Empty));
        Assert.Contains("empty", e.Message);
    }

    [Fact]
    public void Webp_decodes_too()
    {
        var webp = TestImages.Solid(new SkiaSharp.SKColor(255, 0, 0), format: SkiaSharp.SKEncodedImageFormat.Webp);
        var tensor = ImagePreprocessor.Preprocess(webp);
        // Red channel normalised: (1 - 0.485) / 0.229 = 2.249
        Assert.InRange(tensor[224 * 112 + 112], 2.2f, 2.3f);
    }
}
