using System.IO.Compression;
using System.Text;
using Corvid.Serving.Models;

namespace Corvid.Serving.Tests;

public class ModelStoreTests
{
    [Fact]
    public void A_model_folder_in_the_store_opens()
    {
        var store = TestModels.TempDirectory("store");
        TestModels.AddOne(store);
        var package = new ModelStore(store).Open("add-one");
        Assert.Equal("add-one", package.Manifest.Name);
        Assert.Contains("add-one", new ModelStore(store).ListEntries());
    }

    [Fact]
    public void A_zip_archive_opens_from_an_extracted_copy()
    {
        var store = TestModels.TempDirectory("store");
        var source = TestModels.AddOne(TestModels.TempDirectory("src"));
        ZipFile.CreateFromDirectory(source.Directory, Path.Combine(store, "add-one.zip"));

        var package = new ModelStore(store, TestModels.TempDirectory("extract")).Open("add-one.zip");

        Assert.Equal("add-one", package.Manifest.Name);
        Assert.True(File.Exists(package.WeightsPath));
        Assert.False(package.Directory.StartsWith(source.Directory));
    }

    [Theory]
    [InlineData("../outside")]
    [InlineData("/etc")]
    [InlineData("https://example.org/model.mar")]
    public void Registration_only_from_the_store_folder(string url)
    {
        var store = TestModels.TempDirectory("store");
        var e = Assert.Throws<ModelLoadException>(() => new ModelStore(store).Open(url));
        Assert.Contains(url, e.Message);
    }

    [Fact]
    public void Without_a_store_folder_registration_is_off()
    {
        var e = Assert.Throws<ModelLoadException>(() => new ModelStore(null).Open("x"));
        Assert.Contains("--models", e.Message);
    }

    [Fact]
    public void A_zip_slip_entry_is_refused_and_nothing_is_written_outside()
    {
        var root = TestModels.TempDirectory("slip");
        var archive = Path.Combine(root, "evil.zip");
        using (var zip = ZipFile.Open(archive, ZipArchiveMode.Create))
        {
            Write(zip, "manifest.json", "{}");
            Write(zip, "../../escaped.txt", "gotcha");
        }
        var target = Path.Combine(root, "a", "b", "target");

        var e = Assert.Throws<ModelLoadException>(() => ModelArchive.Extract(archive, target));

        Assert.Contains("../../escaped.txt", e.Message);
        Assert.Contains("outside", e.Message);
        Assert.False(File.Exists(Path.Combine(root, "escaped.txt")));
        Assert.False(File.Exists(Path.Combine(root, "a", "escaped.txt")));
        Assert.False(Directory.Exists(target)); // checked before a byte is written
    }

    [Fact]
    public void A_symbolic_link_entry_is_refused()
    {
        var root = TestModels.TempDirectory("link");
        var archive = Path.Combine(root, "link.zip");
        using (var zip = ZipFile.Open(archive, ZipArchiveMode.Create))
        {
            var entry = zip.CreateEntry("model.onnx");
            entry.ExternalAttributes = (0xA1FF << 16); // S_IFLNK | 0777
            using var s = entry.Open();
            s.Write("/etc/passwd"u8);
        }
        var e = Assert.Throws<ModelLoadException>(() => ModelArchive.Extract(archive, Path.Combine(root, "t")));
        Assert.Contains("symbolic link", e.Message);
    }

    [Fact]
    public void A_corrupted_archive_fails_with_a_clear_error()
    {
        var store = TestModels.TempDirectory("store");
        File.WriteAllBytes(Path.Combine(store, "broken.zip"), Encoding.ASCII.GetBytes("PK\u0003\u0004 this is not really a zip"));
        var e = Assert.Throws<ModelLoadException>(() => new ModelStore(store, TestModels.TempDirectory("x")).Open("broken.zip"));
        Assert.Contains("broken.zip", e.Message);
        Assert.Contains("zip", e.Message);
    }

    [Fact]
    public void A_manifest_field_out_of_range_is_named()
    {
        var e = Assert.Throws<ModelLoadException>(() => ModelManifest.Parse(
            """{"name": "m", "runtime": "onnx", "handler": "raw-tensor", "weights": "m.onnx", "queueSize": 0}""", "test.json"));
        Assert.Contains("queueSize", e.Message);
        Assert.Contains("0", e.Message);
        e = Assert.Throws<ModelLoadException>(() => ModelManifest.Parse("""{"name": "m"}""", "test.json"));
        Assert.Contains("test.json", e.Message);
    }

    [Fact]
    public void Weights_outside_the_model_folder_are_refused()
    {
        var dir = TestModels.TempDirectory("m");
        File.WriteAllText(Path.Combine(dir, "manifest.json"), """{"name": "m", "runtime": "onnx", "handler": "raw-tensor", "weights": "../../etc/passwd"}""");
        var e = Assert.Throws<ModelLoadException>(() => ModelPackage.FromDirectory(dir));
        Assert.Contains("outside", e.Message);
    }

    [Fact]
    public void A_file_that_is_not_onnx_fails_to_load_naming_the_model()
    {
        var dir = TestModels.TempDirectory("m");
        File.WriteAllText(Path.Combine(dir, "model.onnx"), "garbage");
        File.WriteAllText(Path.Combine(dir, "manifest.json"), """{"name": "junk", "runtime": "onnx", "handler": "raw-tensor", "weights": "model.onnx"}""");
        var e = Assert.Throws<ModelLoadException>(() => Runtimes.ModelRuntimes.Default().Get("onnx").Load(ModelPackage.FromDirectory(dir)));
        Assert.Contains("junk", e.Message);
    }

    [Fact]
    public void TorchServe_index_to_name_labels_are_read()
    {
        var dir = TestModels.TempDirectory("labels");
        var path = Path.Combine(dir, "index_to_name.json");
        File.WriteAllText(path, """{"0": ["n01440764", "tench"], "1": "goldfish"}""");
        Assert.Equal(["tench", "goldfish"], LabelFile.Read(path));
    }

    private static void Write(ZipArchive zip, string name, string text)
    {
        using var stream = zip.CreateEntry(name).Open();
        stream.Write(Encoding.UTF8.GetBytes(text));
    }
}
