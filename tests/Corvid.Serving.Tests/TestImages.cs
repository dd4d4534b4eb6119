using SkiaSharp;

namespace Corvid.Serving.Tests;

/// <summary>Images made on the spot with SkiaSharp, and the committed fixtures.</summary>
public static class TestImages
{
    public static byte[] Solid(SKColor colour, int width = 300, int height = 200, SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        bitmap.Erase(colour);
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, 90);
        return data.ToArray();
    }

    public static byte[] Pattern(int width = 320, int height = 240, SKEncodedImageFormat format = SKEncodedImageFormat.Jpeg)
    {
        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(new SKColor(40, 90, 160));
            using var paint = new SKPaint { Color = new SKColor(230, 180, 40), IsAntialias = true };
            canvas.DrawCircle(width / 2f, height / 2f, height / 3f, paint);
            paint.Color = new SKColor(200, 30, 60);
            canvas.DrawRect(10, 10, width / 4f, height / 4f, paint);
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, 90);
        return data.ToArray();
    }

    public static byte[] Fixture(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));
}
