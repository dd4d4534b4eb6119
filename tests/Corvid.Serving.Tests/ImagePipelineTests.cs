using Corvid.Serving.Handlers;
using Corvid.Serving.Models;
using SkiaSharp;

namespace Corvid.Serving.Tests;

/// <summary>The manifest's <c>image</c> section: ImageNet's pipeline when absent, checked when present.</summary>
public class ImagePipelineTests
{
    private static ModelManifest Parse(string image) => ModelManifest.Parse(
        $$"""{"name": "m", "runtime": "corvid", "handler": "image-classifier", "weights": "w", "image": {{image}}}""", "manifest.json");

    [Fact]
    public void A_manifest_without_an_image_section_keeps_the_ImageNet_pipeline()
    {
        var manifest = ModelManifest.Parse("""{"name": "m", "runtime": "onnx", "handler": "image-classifier", "weights": "w"}""", "manifest.json");
        Assert.Null(manifest.Image);
        Assert.Same(ImagePreprocessing.ImageNet, manifest.ImagePipeline());
        Assert.Equal((256, 224, false), (manifest.ImagePipeline().Resize, manifest.ImagePipeline().Crop, manifest.ImagePipeline().Grayscale));
        Assert.DoesNotContain("\"image\"", manifest.ToJson());

        // The ImageNet overload and the explicit pipeline compute the same tensor.
        var photo = TestImages.Fixture("photo.jpg");
        Assert.Equal(ImagePreprocessor.Preprocess(photo), ImagePreprocessor.Preprocess(photo, ImagePreprocessing.ImageNet));
    }

    [Theory]
    [InlineData("""{"resize": 28, "crop": 28, "grayscale": true, "mean": [0.5, 0.5, 0.5], "std": [0.5]}""", "field 'image.mean' has 3 values; a grayscale image needs 1")]
    [InlineData("""{"resize": 28, "crop": 28, "mean": [0.5], "std": [0.5]}""", "field 'image.mean' has 1 values; an RGB image needs 3")]
    [InlineData("""{"resize": 20, "crop": 28, "grayscale": true, "mean": [0.5], "std": [0.5]}""", "field 'image.resize' is 20; it must be at least 'image.crop' (28)")]
    [InlineData("""{"resize": 28, "crop": 0, "grayscale": true, "mean": [0.5], "std": [0.5]}""", "field 'image.crop' is 0")]
    [InlineData("""{"resize": 28, "crop": 28, "grayscale": true, "mean": [0.5], "std": [0]}""", "field 'image.std[0]' is 0; it must be positive")]
    public void A_bad_image_section_is_refused_naming_the_field(string image, string expected)
    {
        var e = Assert.Throws<ModelLoadException>(() => Parse(image));
        Assert.Contains("manifest.json", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Grayscale_is_Pillows_luma_then_the_configured_normalisation()
    {
        var pipeline = Parse("""{"resize": 4, "crop": 4, "grayscale": true, "mean": [0.25], "std": [0.5]}""").Image!;
        var png = TestImages.Solid(new SKColor(200, 100, 50), width: 4, height: 4);
        var tensor = ImagePreprocessor.Preprocess(png, pipeline);
        Assert.Equal(16, tensor.Length);
        // Pillow: L = (R*19595 + G*38470 + B*7471 + 0x8000) >> 16 = 124 for (200, 100, 50).
        var luma = (200 * 19595 + 100 * 38470 + 50 * 7471 + 0x8000) >> 16;
        Assert.Equal(124, luma);
        Assert.All(tensor, v => Assert.Equal((124 / 255f - 0.25f) / 0.5f, v));
    }

    [Fact]
    public void A_large_image_is_resized_and_centre_cropped_to_the_configured_size()
    {
        var pipeline = new ImagePreprocessing { Resize = 32, Crop = 28, Mean = [0, 0, 0], Std = [1, 1, 1] };
        var tensor = ImagePreprocessor.Preprocess(TestImages.Solid(new SKColor(255, 0, 0), width: 300, height: 200), pipeline);
        Assert.Equal(3 * 28 * 28, tensor.Length);
        Assert.All(tensor[..784], v => Assert.Equal(1f, v));
        Assert.All(tensor[784..], v => Assert.Equal(0f, v));
    }
}
