using System.IO.Compression;
using Corvid.Serving.Engine;

namespace Corvid.Serving.Tests;

public class IdxFileTests
{
    private static string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(TestModels.TempDirectory("idx"), name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] Gunzipped(string file)
    {
        using var gzip = new GZipStream(File.OpenRead(Path.Combine(FashionMnistFiles.FixtureDirectory, file)), CompressionMode.Decompress);
        using var memory = new MemoryStream();
        gzip.CopyTo(memory);
        return memory.ToArray();
    }

    [Fact]
    public void The_committed_sample_reads_as_200_images_of_28x28_with_labels_0_to_9()
    {
        var sample = FashionMnistFiles.Sample();
        Assert.Equal(200, sample.Count);
        Assert.Equal((28, 28), (sample.Height, sample.Width));
        Assert.All(sample.Labels, l => Assert.InRange(l, 0, 9));
        var targets = FashionMnistFiles.Reference["targets"]!.AsArray().Select(t => (byte)t!.GetValue<int>());
        Assert.Equal(targets, sample.Labels);
    }

    [Fact]
    public void Uncompressed_files_read_the_same_and_write_back_byte_for_byte()
    {
        var raw = Gunzipped("t10k-sample-images-idx3-ubyte.gz");
        var idx = IdxFile.Read(Write("images-idx3-ubyte", raw));
        Assert.Equal([200, 28, 28], idx.Dimensions);
        Assert.Equal(raw, idx.ToBytes());
    }

    [Fact]
    public void A_truncated_file_is_refused_naming_it_and_the_sizes()
    {
        var path = Write("short-idx3-ubyte", Gunzipped("t10k-sample-images-idx3-ubyte.gz")[..5000]);
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("200x28x28 = 156800 bytes of data but holds 4984 (truncated)", e.Message);
    }

    [Fact]
    public void A_file_with_the_wrong_magic_is_refused_as_not_IDX()
    {
        var path = Write("photo-idx3-ubyte", File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "landscape.png")));
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("starts with 0x8950", e.Message);
        Assert.Contains("not an IDX file", e.Message);
    }

    [Fact]
    public void A_truncated_gzip_file_is_refused_naming_it()
    {
        var gz = File.ReadAllBytes(Path.Combine(FashionMnistFiles.FixtureDirectory, "t10k-sample-images-idx3-ubyte.gz"));
        var path = Write("cut-idx3-ubyte.gz", gz[..(gz.Length / 2)]);
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void A_missing_file_is_named_and_so_is_a_missing_pair()
    {
        var dir = TestModels.TempDirectory("idx-missing");
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(Path.Combine(dir, "train-images-idx3-ubyte")));
        Assert.Contains("train-images-idx3-ubyte' does not exist", e.Message);
        e = Assert.Throws<InvalidDataException>(() => LabelledImages.Load(dir, "train"));
        Assert.Contains("train-images-idx3-ubyte", e.Message);
    }

    [Fact]
    public void Images_and_labels_of_different_counts_are_refused()
    {
        var dir = TestModels.TempDirectory("idx-count");
        File.WriteAllBytes(Path.Combine(dir, "x-images-idx3-ubyte"), Gunzipped("t10k-sample-images-idx3-ubyte.gz"));
        File.WriteAllBytes(Path.Combine(dir, "x-labels-idx1-ubyte"), new IdxFile([3], [1, 2, 3]).ToBytes());
        var e = Assert.Throws<InvalidDataException>(() => LabelledImages.Load(dir, "x"));
        Assert.Contains("200 images but 3 labels", e.Message);
    }
}
