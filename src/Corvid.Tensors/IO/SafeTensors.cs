using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Corvid.Tensors.IO;

/// <summary>
/// The safetensors format that PyTorch and Hugging Face tools read and write: an 8-byte little-endian
/// header length, a JSON header naming each tensor's dtype, shape and byte range, then raw
/// little-endian data. Nothing in it executes on load.
/// </summary>
public static class SafeTensors
{
    /// <summary>Tensors by name plus the free-form string metadata of the header.</summary>
    public sealed record Contents(IReadOnlyDictionary<string, Tensor> Tensors, IReadOnlyDictionary<string, string> Metadata);

    private const long MaxHeaderBytes = 100_000_000;

    public static Contents Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            throw new FileNotFoundException($"safetensors: file '{path}' does not exist", path);
        }
        return Parse(bytes, path);
    }

    public static Contents Parse(ReadOnlySpan<byte> bytes, string source = "<memory>")
    {
        if (bytes.Length < 8)
            throw new InvalidDataException($"safetensors: '{source}' is {bytes.Length} bytes long, too short to hold the 8-byte header length (truncated?)");
        long headerLength = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        if (headerLength <= 0 || headerLength > MaxHeaderBytes || 8 + headerLength > bytes.Length)
            throw new InvalidDataException($"safetensors: '{source}' declares a {headerLength}-byte header but the file has {bytes.Length} bytes (truncated or not a safetensors file)");
        var data = bytes[(int)(8 + headerLength)..];

        JsonObject header;
        try
        {
            header = JsonNode.Parse(bytes.Slice(8, (int)headerLength).ToArray()) as JsonObject
                ?? throw new InvalidDataException($"safetensors: the header of '{source}' is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"safetensors: the header of '{source}' is not valid JSON: {e.Message}", e);
        }

        var tensors = new Dictionary<string, Tensor>();
        var metadata = new Dictionary<string, string>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__")
            {
                if (node is JsonObject meta)
                    foreach (var (k, v) in meta) metadata[k] = v?.GetValue<string>() ?? "";
                continue;
            }
            if (node is not JsonObject entry)
                throw new InvalidDataException($"safetensors: entry '{name}' in '{source}' is not an object");
            tensors[name] = ReadTensor(name, entry, data, source);
        }
        return new Contents(tensors, metadata);
    }

    private static Tensor ReadTensor(string name, JsonObject entry, ReadOnlySpan<byte> data, string source)
    {
        string dtype = entry["dtype"]?.GetValue<string>() ?? throw new InvalidDataException($"safetensors: tensor '{name}' in '{source}' has no dtype");
        var shapeNode = entry["shape"] as JsonArray ?? throw new InvalidDataException($"safetensors: tensor '{name}' in '{source}' has no shape");
        var offsets = entry["data_offsets"] as JsonArray ?? throw new InvalidDataException($"safetensors: tensor '{name}' in '{source}' has no data_offsets");
        var shape = shapeNode.Select(n => n!.GetValue<int>()).ToArray();
        long begin = offsets[0]!.GetValue<long>(), end = offsets[1]!.GetValue<long>();
        if (begin < 0 || end < begin || end > data.Length)
            throw new InvalidDataException($"safetensors: tensor '{name}' in '{source}' spans bytes [{begin}, {end}) but the data section has {data.Length} bytes (truncated?)");
        var raw = data[(int)begin..(int)end];
        int count = ShapeMath.Numel(shape);
        int width = dtype switch { "F32" => 4, "I64" => 8, "BOOL" or "U8" => 1, "F64" => 8, "I32" => 4, "F16" => 2, "BF16" => 2, _ => 0 };
        if (width == 0) throw new InvalidDataException($"safetensors: tensor '{name}' in '{source}' has dtype {dtype}, which Corvid does not read");
        if (raw.Length != (long)count * width)
            throw new InvalidDataException($"safetensors: tensor '{name}' in '{source}' has shape {ShapeMath.Format(shape)} of {dtype} ({(long)count * width} bytes) but its data is {raw.Length} bytes");

        switch (dtype)
        {
            case "F32":
            {
                var values = new float[count];
                raw.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
                if (!BitConverter.IsLittleEndian) ReverseEach(MemoryMarshal.Cast<float, int>(values.AsSpan()));
                return new Tensor(new Storage(values), shape);
            }
            case "F64":
            {
                var values = new float[count];
                for (int i = 0; i < count; i++) values[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(raw[(i * 8)..]);
                return new Tensor(new Storage(values), shape);
            }
            case "F16":
            {
                var values = new float[count];
                for (int i = 0; i < count; i++) values[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(raw[(i * 2)..]);
                return new Tensor(new Storage(values), shape);
            }
            case "BF16":
            {
                var values = new float[count];
                for (int i = 0; i < count; i++) values[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(raw[(i * 2)..]) << 16);
                return new Tensor(new Storage(values), shape);
            }
            case "I64":
            {
                var values = new long[count];
                for (int i = 0; i < count; i++) values[i] = BinaryPrimitives.ReadInt64LittleEndian(raw[(i * 8)..]);
                return new Tensor(new Storage(values), shape);
            }
            case "I32":
            {
                var values = new long[count];
                for (int i = 0; i < count; i++) values[i] = BinaryPrimitives.ReadInt32LittleEndian(raw[(i * 4)..]);
                return new Tensor(new Storage(values), shape);
            }
            default:
            {
                var values = new bool[count];
                for (int i = 0; i < count; i++) values[i] = raw[i] != 0;
                return new Tensor(new Storage(values), shape);
            }
        }
    }

    private static void ReverseEach(Span<int> words)
    {
        for (int i = 0; i < words.Length; i++) words[i] = BinaryPrimitives.ReverseEndianness(words[i]);
    }

    /// <summary>Serialises tensors (in name order, as the Python library does) and metadata.</summary>
    public static byte[] Serialize(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach (var (k, v) in metadata) meta[k] = v;
            header["__metadata__"] = meta;
        }
        var names = tensors.Keys.Order(StringComparer.Ordinal).ToList();
        long offset = 0;
        var blobs = new List<byte[]>();
        foreach (var name in names)
        {
            var t = tensors[name].Contiguous();
            byte[] blob = t.DType switch
            {
                DType.Float32 => MemoryMarshal.AsBytes(t.F.AsSpan(t.Offset, t.Numel)).ToArray(),
                DType.Int64 => MemoryMarshal.AsBytes(t.L.AsSpan(t.Offset, t.Numel)).ToArray(),
                _ => t.B.AsSpan(t.Offset, t.Numel).ToArray().Select(b => b ? (byte)1 : (byte)0).ToArray(),
            };
            header[name] = new JsonObject
            {
                ["dtype"] = t.DType switch { DType.Float32 => "F32", DType.Int64 => "I64", _ => "BOOL" },
                ["shape"] = new JsonArray(t.shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + blob.Length),
            };
            offset += blob.Length;
            blobs.Add(blob);
        }
        // Escape only what JSON requires, as Python's json module does for ASCII names ("+", "<", "&" stay as they are).
        var headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
        int padded = (headerBytes.Length + 7) / 8 * 8;
        var result = new byte[8 + padded + offset];
        BinaryPrimitives.WriteInt64LittleEndian(result, padded);
        headerBytes.CopyTo(result, 8);
        result.AsSpan(8 + headerBytes.Length, padded - headerBytes.Length).Fill((byte)' ');
        long at = 8 + padded;
        foreach (var blob in blobs)
        {
            blob.CopyTo(result, at);
            at += blob.Length;
        }
        return result;
    }

    /// <summary>Writes atomically: a temporary file in the same folder, then a rename, so a crash never leaves half a file.</summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var bytes = Serialize(tensors, metadata);
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.WriteThrough))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }
}
