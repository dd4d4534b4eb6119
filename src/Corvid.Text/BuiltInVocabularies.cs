using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Corvid.Text;

/// <summary>
/// The rank files of OpenAI's public encodings, from the Microsoft.ML.Tokenizers.Data.* packages. Each
/// package's DLL is embedded in this assembly; its one manifest resource (<c>name.tiktoken.deflate</c>)
/// is read with a <see cref="PEReader"/>, so no code from it runs.
/// </summary>
internal static class BuiltInVocabularies
{
    public static RankTable Load(string name)
    {
        using var dll = typeof(BuiltInVocabularies).Assembly.GetManifestResourceStream($"vocab/{name}")
            ?? throw new TokenizerException($"no built-in vocabulary '{name}'");
        using var pe = new PEReader(dll);
        var metadata = pe.GetMetadataReader();
        foreach (var handle in metadata.ManifestResources)
        {
            var resource = metadata.GetManifestResource(handle);
            if (!metadata.GetString(resource.Name).EndsWith(".tiktoken.deflate", StringComparison.Ordinal)) continue;
            var directory = pe.PEHeaders.CorHeader!.ResourcesDirectory;
            var section = pe.GetSectionData(directory.RelativeVirtualAddress);
            var blob = section.GetReader((int)resource.Offset, directory.Size - (int)resource.Offset);
            int length = blob.ReadInt32();
            var bytes = blob.ReadBytes(length);
            using var inflate = new DeflateStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var reader = new StreamReader(inflate);
            return TiktokenFile.ReadIndexed(reader, $"{name} (built in)");
        }
        throw new TokenizerException($"the embedded data for '{name}' has no .tiktoken.deflate resource");
    }
}
