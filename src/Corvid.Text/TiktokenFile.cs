using System.Buffers.Text;
using System.Text;

namespace Corvid.Text;

/// <summary>
/// The <c>.tiktoken</c> rank file: one token per line, <c>base64(token bytes) SPACE rank</c>. Errors name
/// the file and line. Also reads the deflated variant the Microsoft data packages ship (a
/// <c>Capacity: N</c> header, then one base64 token per line whose rank is its line index).
/// </summary>
public static class TiktokenFile
{
    /// <summary>Reads a <c>.tiktoken</c> file into a rank table.</summary>
    internal static RankTable Read(string path)
    {
        if (!File.Exists(path)) throw new TokenizerException($"rank file '{path}' does not exist");
        using var stream = File.OpenRead(path);
        return Read(stream, path);
    }

    /// <summary>Reads <c>.tiktoken</c> lines from a stream; <paramref name="source"/> names it in errors.</summary>
    internal static RankTable Read(Stream stream, string source)
    {
        var tokens = new List<(byte[], int)>();
        var lines = new List<int>();
        using var reader = new StreamReader(stream, new UTF8Encoding(false, throwOnInvalidBytes: false));
        int lineNumber = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (line.Length == 0) continue;
            int space = line.IndexOf(' ');
            if (space <= 0 || space != line.LastIndexOf(' '))
                throw new TokenizerException($"{source}, line {lineNumber}: expected 'base64-token rank', got '{Shorten(line)}'");
            var bytes = DecodeBase64(line.AsSpan(0, space), source, lineNumber);
            if (!int.TryParse(line.AsSpan(space + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int rank))
                throw new TokenizerException($"{source}, line {lineNumber}: rank '{Shorten(line[(space + 1)..])}' is not a non-negative integer");
            tokens.Add((bytes, rank));
            lines.Add(lineNumber);
        }
        if (tokens.Count == 0) throw new TokenizerException($"{source}: no tokens (an empty or truncated rank file)");
        return new RankTable(tokens, t => $"{source}, line {lines[t]}");
    }

    /// <summary>Reads the data packages' format: <c>Capacity: N</c>, then one base64 token per line, rank = index.</summary>
    internal static RankTable ReadIndexed(TextReader reader, string source)
    {
        string? header = reader.ReadLine();
        if (header is null || !header.StartsWith("Capacity: ", StringComparison.Ordinal))
            throw new TokenizerException($"{source}: expected a 'Capacity: N' header");
        var tokens = new List<(byte[], int)>(int.Parse(header.AsSpan("Capacity: ".Length), System.Globalization.CultureInfo.InvariantCulture));
        string? line;
        int lineNumber = 1;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            tokens.Add((DecodeBase64(line, source, lineNumber), tokens.Count));
        }
        return new RankTable(tokens, t => $"{source}, line {t + 2}");
    }

    /// <summary>
    /// Writes ranks as a <c>.tiktoken</c> file, atomically (a temporary file in the same folder, then a rename).
    /// </summary>
    public static void Write(string path, IEnumerable<(byte[] Bytes, int Rank)> ranks)
    {
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\n" };
            foreach (var (bytes, rank) in ranks)
            {
                writer.Write(Convert.ToBase64String(bytes));
                writer.Write(' ');
                writer.WriteLine(rank.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        });
    }

    private static byte[] DecodeBase64(ReadOnlySpan<char> text, string source, int lineNumber)
    {
        var buffer = new byte[Base64.GetMaxDecodedFromUtf8Length(text.Length)];
        if (!Convert.TryFromBase64Chars(text, buffer, out int written) || written == 0)
            throw new TokenizerException($"{source}, line {lineNumber}: '{Shorten(text.ToString())}' is not valid base64 token bytes");
        return buffer.AsSpan(0, written).ToArray();
    }

    private static string Shorten(string s) => s.Length <= 60 ? s : s[..57] + "...";
}
