using System.Text.Json.Serialization;

namespace Corvid.Serving.Models;

/// <summary>
/// The manifest's <c>image</c> section: how the image handlers turn a picture into the model's input, as a
/// torchvision pipeline <c>Resize(resize)</c> → <c>CenterCrop(crop)</c> → [<c>Grayscale()</c>] → <c>ToTensor()</c>
/// → <c>Normalize(mean, std)</c>. Left out, it is ImageNet's 256 / 224 RGB pipeline, which the ResNet models need;
/// a Fashion-MNIST classifier says <c>{"resize": 28, "crop": 28, "grayscale": true, "mean": [0.286], "std": [0.353]}</c>.
/// </summary>
public sealed record ImagePreprocessing
{
    /// <summary>The largest side a resize or crop may ask for; larger would only be a way to make the server allocate.</summary>
    public const int MaxSide = 4096;

    /// <summary>The shorter side is resized to this (bilinear, as Pillow), keeping the aspect ratio.</summary>
    public int Resize { get; set; } = 256;
    /// <summary>Side of the centre square cut from the resized image: the model's input height and width.</summary>
    public int Crop { get; set; } = 224;
    /// <summary>One luma channel (Pillow's <c>convert("L")</c>) instead of three RGB channels.</summary>
    public bool Grayscale { get; set; }
    /// <summary>Per-channel mean subtracted after scaling pixels to [0, 1]: one value per channel.</summary>
    public float[] Mean { get; set; } = [0.485f, 0.456f, 0.406f];
    /// <summary>Per-channel standard deviation divided by after the mean: one value per channel.</summary>
    public float[] Std { get; set; } = [0.229f, 0.224f, 0.225f];

    [JsonIgnore] public int Channels => Grayscale ? 1 : 3;

    /// <summary>torchvision's ImageNet evaluation pipeline: 256, 224, RGB, ImageNet mean and std.</summary>
    public static ImagePreprocessing ImageNet { get; } = new();

    public void Validate(string source)
    {
        static void Require(bool ok, string message)
        {
            if (!ok) throw new ModelLoadException(message);
        }
        Require(Crop is >= 1 and <= MaxSide, $"{source}: field 'image.crop' is {Crop}; it must be between 1 and {MaxSide}");
        Require(Resize >= Crop && Resize <= MaxSide, $"{source}: field 'image.resize' is {Resize}; it must be at least 'image.crop' ({Crop}) and at most {MaxSide}");
        Require(Mean is not null && Mean.Length == Channels,
            $"{source}: field 'image.mean' has {Mean?.Length ?? 0} values; {(Grayscale ? "a grayscale" : "an RGB")} image needs {Channels}");
        Require(Std is not null && Std.Length == Channels,
            $"{source}: field 'image.std' has {Std?.Length ?? 0} values; {(Grayscale ? "a grayscale" : "an RGB")} image needs {Channels}");
        for (var c = 0; c < Channels; c++)
        {
            Require(float.IsFinite(Mean![c]), $"{source}: field 'image.mean[{c}]' is {Mean[c]}; it must be a finite number");
            Require(Std![c] > 0 && float.IsFinite(Std[c]), $"{source}: field 'image.std[{c}]' is {Std[c]}; it must be positive");
        }
    }
}
