using System.Buffers.Binary;
using System.IO.Compression;

namespace Corvid.Serving.Engine;

/// <summary>
/// The IDX format of MNIST and Fashion-MNIST: two zero bytes, a type code (0x08 = unsigned byte), the number
/// of dimensions, each dimension as a big-endian int32, then the data. Files may be gzipped (as Debian's
/// <c>dataset-fashion-mnist</c> ships them); that is recognised by the gzip magic, not by the name.
/// </summary>
public sealed record IdxFile(int[] Dimensions, byte[] Data)
{
    private const byte UnsignedByte = 0x08;

    public int Count => Dimensions[0];

    /// <summary>Bytes in one item: 784 for a 28×28 image, 1 for a label.</summary>
    public int ItemLength => Dimensions.Skip(1).Aggregate(1, (a, d) => a * d);

    public static IdxFile Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            throw new InvalidDataException($"IDX file '{path}' does not exist");
        }
        catch (DirectoryNotFoundException)
        {
            throw new InvalidDataException($"IDX file '{path}' does not exist (no such folder)");
        }
        if (bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b) bytes = Gunzip(bytes, path);
        return Parse(bytes, path);
    }

    public static IdxFile Parse(ReadOnlySpan<byte> bytes, string source)
    {
        if (bytes.Length < 4) throw new InvalidDataException($"IDX file '{source}' is {bytes.Length} bytes long, too short for the 4-byte magic number (truncated?)");
        if (bytes[0] != 0 || bytes[1] != 0)
        {
            throw new InvalidDataException($"IDX file '{source}' starts with 0x{bytes[0]:X2}{bytes[1]:X2}, not with the two zero bytes of an IDX magic number: not an IDX file");
        }
        if (bytes[2] != UnsignedByte) throw new InvalidDataException($"IDX file '{source}' has type code 0x{bytes[2]:X2}; only 0x08 (unsigned byte) is supported");
        int rank = bytes[3];
        if (rank == 0) throw new InvalidDataException($"IDX file '{source}' declares 0 dimensions");
        var headerLength = 4 + 4 * rank;
        if (bytes.Length < headerLength) throw new InvalidDataException($"IDX file '{source}' declares {rank} dimensions but ends after {bytes.Length} bytes, inside its header (truncated?)");
        var dims = new int[rank];
        long count = 1;
        for (var i = 0; i < rank; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(bytes[(4 + 4 * i)..]);
            if (dims[i] < 0) throw new InvalidDataException($"IDX file '{source}' has dimension {i} = {dims[i]}, which is negative");
            count *= dims[i];
        }
        var data = bytes[headerLength..];
        if (data.Length != count)
        {
            var what = data.Length < count ? "truncated" : "has trailing bytes";
            throw new InvalidDataException($"IDX file '{source}' declares {string.Join("x", dims)} = {count} bytes of data but holds {data.Length} ({what})");
        }
        return new IdxFile(dims, data.ToArray());
    }

    /// <summary>The same format written back, uncompressed (the committed samples use it).</summary>
    public byte[] ToBytes()
    {
        var result = new byte[4 + 4 * Dimensions.Length + Data.Length];
        result[2] = UnsignedByte;
        result[3] = (byte)Dimensions.Length;
        for (var i = 0; i < Dimensions.Length; i++) BinaryPrimitives.WriteInt32BigEndian(result.AsSpan(4 + 4 * i), Dimensions[i]);
        Data.CopyTo(result, 4 + 4 * Dimensions.Length);
        return result;
    }

    private static byte[] Gunzip(byte[] bytes, string path)
    {
        try
        {
            using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var output = new MemoryStream();
            gzip.CopyTo(output);
            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"IDX file '{path}' is gzip-compressed but cannot be decompressed (truncated or corrupt): {e.Message}", e);
        }
    }
}
