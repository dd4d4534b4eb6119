using System.Text;

namespace Corvid.Text.Tests;

/// <summary>Bad rank files get an error naming the file and line; good ones load and encode.</summary>
public sealed class RankFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("corvid-text-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string WriteFile(string content)
    {
        var path = Path.Combine(_folder, $"f{Guid.NewGuid():N}.tiktoken");
        File.WriteAllText(path, content);
        return path;
    }

    private static string ByteLines(int count) =>
        string.Concat(Enumerable.Range(0, count).Select(b => $"{Convert.ToBase64String([(byte)b])} {b}\n"));

    [Theory]
    [InlineData("IQ== 0\nIg== one\n", "line 2")]
    [InlineData("IQ== 0\n!!!! 1\n", "line 2")]
    [InlineData("IQ== 0\nIg==\n", "line 2")]
    [InlineData("IQ== 0\nIQ== 1\n", "line 2")]
    [InlineData("IQ== 0\nIg== 0\n", "line 2")]
    [InlineData("IQ== 0\nIg== 1\nIw== -3\n", "line 3")]
    [InlineData("", "no tokens")]
    public void A_malformed_or_truncated_file_is_an_error_naming_the_line(string content, string expected)
    {
        var path = WriteFile(content);
        var e = Assert.Throws<TokenizerException>(() => Tokenizer.FromFile(path));
        Assert.Contains(expected, e.Message);
        Assert.Contains(Path.GetFileName(path), e.Message);
    }

    [Fact]
    public void A_missing_file_is_an_error_naming_it()
    {
        var e = Assert.Throws<TokenizerException>(() => Tokenizer.Get(Path.Combine(_folder, "nope.tiktoken")));
        Assert.Contains("nope.tiktoken", e.Message);
    }

    [Fact]
    public void A_written_rank_file_loads_and_encodes_with_its_merges()
    {
        var path = Path.Combine(_folder, "tiny.tiktoken");
        var ranks = Enumerable.Range(0, 256).Select(b => (new[] { (byte)b }, b)).ToList();
        ranks.Add((Encoding.UTF8.GetBytes("ab"), 256));
        ranks.Add((Encoding.UTF8.GetBytes("abc"), 257));
        TiktokenFile.Write(path, ranks);

        var tokenizer = Tokenizer.FromFile(path);

        // "abc" is a token; " abcb" merges a+b (256), then ab+c (257): [' ', abc, b].
        Assert.Equal([257, 32, 257, 98], tokenizer.EncodeOrdinary("abc abcb"));
        Assert.Equal("abc abcb", tokenizer.Decode(tokenizer.EncodeOrdinary("abc abcb")));
        Assert.Equal(258, tokenizer.VocabularySize);
    }

    [Fact]
    public void A_vocabulary_without_some_byte_reports_that_byte_when_text_needs_it()
    {
        var path = WriteFile(ByteLines(128));
        var tokenizer = Tokenizer.FromFile(path);
        Assert.Equal([104, 105], tokenizer.EncodeOrdinary("hi"));
        var e = Assert.Throws<TokenizerException>(() => tokenizer.EncodeOrdinary("é"));
        Assert.Contains("0xC3", e.Message);
    }
}
