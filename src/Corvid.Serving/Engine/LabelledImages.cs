namespace Corvid.Serving.Engine;

/// <summary>
/// Images and their class labels from a pair of IDX files (<c>{split}-images-idx3-ubyte</c> and
/// <c>{split}-labels-idx1-ubyte</c>, optionally <c>.gz</c>), as MNIST and Fashion-MNIST are distributed.
/// </summary>
public sealed class LabelledImages
{
    public LabelledImages(IdxFile images, IdxFile labels, string source)
    {
        if (images.Dimensions.Length != 3) throw new InvalidDataException($"{source}: the images file has {images.Dimensions.Length} dimensions; expected 3 (count, height, width)");
        if (labels.Dimensions.Length != 1) throw new InvalidDataException($"{source}: the labels file has {labels.Dimensions.Length} dimensions; expected 1 (count)");
        if (images.Count != labels.Count) throw new InvalidDataException($"{source}: {images.Count} images but {labels.Count} labels");
        Images = images;
        Labels = labels.Data;
        Source = source;
    }

    public IdxFile Images { get; }
    public byte[] Labels { get; }
    public string Source { get; }
    public int Count => Images.Count;
    public int Height => Images.Dimensions[1];
    public int Width => Images.Dimensions[2];
    public int PixelsPerImage => Height * Width;
    public ReadOnlySpan<byte> Pixels(int index) => Images.Data.AsSpan(index * PixelsPerImage, PixelsPerImage);

    /// <summary>Reads <c>{split}-images-idx3-ubyte[.gz]</c> and <c>{split}-labels-idx1-ubyte[.gz]</c> from <paramref name="directory"/>.</summary>
    public static LabelledImages Load(string directory, string split)
    {
        var images = IdxFile.Read(Find(directory, $"{split}-images-idx3-ubyte"));
        var labels = IdxFile.Read(Find(directory, $"{split}-labels-idx1-ubyte"));
        return new LabelledImages(images, labels, Path.Combine(directory, split));
    }

    private static string Find(string directory, string stem)
    {
        var plain = Path.Combine(directory, stem);
        if (File.Exists(plain)) return plain;
        var gz = plain + ".gz";
        if (File.Exists(gz)) return gz;
        throw new InvalidDataException($"IDX file '{plain}' (or '{Path.GetFileName(gz)}') does not exist in '{directory}'");
    }

    /// <summary>Pixels as floats scaled to [0, 1] then normalised, into a (count, 1, H, W) buffer.</summary>
    public void Normalize(ReadOnlySpan<int> indices, Span<float> destination, float mean, float std)
    {
        var n = PixelsPerImage;
        for (var i = 0; i < indices.Length; i++)
        {
            var src = Pixels(indices[i]);
            var dst = destination.Slice(i * n, n);
            // Same arithmetic as ToTensor() then Normalize(): (p / 255 - mean) / std, in float.
            for (var j = 0; j < n; j++) dst[j] = (src[j] / 255f - mean) / std;
        }
    }

    /// <summary>Mean and standard deviation of all pixels scaled to [0, 1], the statistics Normalize() wants.</summary>
    public (float Mean, float Std) PixelStatistics()
    {
        Span<long> histogram = stackalloc long[256];
        foreach (var p in Images.Data) histogram[p]++;
        double count = Images.Data.Length, sum = 0, squares = 0;
        for (var v = 0; v < 256; v++)
        {
            var x = v / 255.0;
            sum += histogram[v] * x;
            squares += histogram[v] * x * x;
        }
        var mean = sum / count;
        return ((float)mean, (float)Math.Sqrt(Math.Max(0, squares / count - mean * mean)));
    }
}
