using System.Text.Json;

namespace Corvid.Cli.Tests;

/// <summary><c>corvid tokenize</c> run as a user would, in its own process.</summary>
public sealed class TokenizeCommandTests : IDisposable
{
    private const string ArticleText =
        "Are you Looking for Couples In Ohio? Search through the profiles below and you may just see your perfect date. "
        + "Contact them and setup a meet up later tonight. We have thousands of other members that just can\\'t wait to meet somebody just like you!";

    private const string ArticleIds =
        "[11787,499,21815,369,90250,763,14689,30,7694,1555,279,21542,3770,323,499,1253,1120,1518,701,4832,2457,13,9359,1124,323,6642,"
        + "264,3449,709,3010,18396,13,1226,617,9214,315,1023,3697,430,1120,649,10379,83,3868,311,3449,18570,1120,1093,499,0]";

    private readonly string _folder = Directory.CreateTempSubdirectory("corvid-cli-tokenize-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Encode_prints_the_articles_51_ids_as_a_json_array()
    {
        var result = CorvidProcess.RunWithInput(ArticleText, "tokenize", "encode", "--encoding", "cl100k_base");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(ArticleIds, result.StdOut.Trim());
    }

    [Fact]
    public void Decode_reads_ids_from_stdin_and_prints_the_text()
    {
        var result = CorvidProcess.RunWithInput(ArticleIds, "tokenize", "decode", "--encoding", "cl100k_base");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(ArticleText, result.StdOut);
    }

    [Fact]
    public void Count_prints_only_the_number_and_o200k_is_selectable()
    {
        var cl100k = CorvidProcess.RunWithInput(ArticleText, "tokenize", "encode", "--count");
        var o200k = CorvidProcess.RunWithInput("Text tokenization is the process of splitting a string into a list of tokens.", "tokenize", "encode", "-e", "o200k_base");

        Assert.Equal("51", cl100k.StdOut.Trim());
        Assert.Equal("[1279,6602,2860,382,290,2273,328,87130,261,1621,1511,261,1562,328,20290,13]", o200k.StdOut.Trim());
    }

    [Fact]
    public void Show_prints_the_text_and_the_token_count()
    {
        var result = CorvidProcess.RunWithInput("hello world 👍", "tokenize", "encode", "--show");
        var ids = JsonSerializer.Deserialize<int[]>(CorvidProcess.RunWithInput("hello world 👍", "tokenize", "encode").StdOut)!;

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("hello world 👍", result.StdOut); // the emoji's three byte tokens are shown as one span
        Assert.Contains($"{ids.Length} tokens (cl100k_base)", result.StdOut);
    }

    [Fact]
    public void A_file_of_invalid_utf8_encodes_as_its_replacement_text_without_crashing()
    {
        var path = Path.Combine(_folder, "bad.txt");
        File.WriteAllBytes(path, [0x61, 0xFF, 0xFE, 0x62, 0xE2, 0x82]);

        var result = CorvidProcess.Run("tokenize", "encode", "--file", path);
        var decoded = CorvidProcess.RunWithInput(result.StdOut, "tokenize", "decode");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("a\uFFFD\uFFFDb\uFFFD", decoded.StdOut);
    }

    [Fact]
    public void A_special_token_in_text_is_an_error_unless_allowed_or_ordinary()
    {
        var refused = CorvidProcess.RunWithInput("end <|endoftext|>", "tokenize", "encode");
        var allowed = CorvidProcess.RunWithInput("end <|endoftext|>", "tokenize", "encode", "--allow-special", "all");
        var ordinary = CorvidProcess.RunWithInput("end <|endoftext|>", "tokenize", "encode", "--ordinary");

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("<|endoftext|>", refused.StdErr);
        Assert.Contains("--allow-special", refused.StdErr);
        Assert.Equal("[408,220,100257]", allowed.StdOut.Trim());
        Assert.DoesNotContain("100257", ordinary.StdOut);
    }

    [Theory]
    [InlineData("[1, 100277]", "100277")]
    [InlineData("[-5]", "-5")]
    [InlineData("[1, \"two\"]", "JSON array")]
    public void Bad_ids_are_an_error_that_names_them(string input, string expected)
    {
        var result = CorvidProcess.RunWithInput(input, "tokenize", "decode");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(expected, result.StdErr);
    }

    [Fact]
    public void Train_writes_a_tiktoken_file_that_encode_and_decode_accept()
    {
        var input = Path.Combine(_folder, "corpus.txt");
        File.WriteAllText(input, string.Concat(Enumerable.Repeat("the quick brown fox jumps over the lazy dog. tokenizers merge byte pairs.\n", 200)));
        var model = Path.Combine(_folder, "model.tiktoken");

        var train = CorvidProcess.Run("tokenize", "train", "--input", input, "--vocab-size", "300", "--output", model);
        var encoded = CorvidProcess.RunWithInput("the quick brown fox", "tokenize", "encode", "--encoding", model);
        var decoded = CorvidProcess.RunWithInput(encoded.StdOut, "tokenize", "decode", "--encoding", model);

        Assert.True(train.ExitCode == 0, train.StdErr + train.StdOut);
        Assert.Contains("Learned 44 merges", train.StdOut);
        Assert.Equal(300, File.ReadLines(model).Count());
        using var definition = JsonDocument.Parse(File.ReadAllText(model + ".json"));
        Assert.Equal(300, definition.RootElement.GetProperty("specialTokens").GetProperty("<|endoftext|>").GetInt32());
        var ids = JsonSerializer.Deserialize<int[]>(encoded.StdOut)!;
        Assert.True(ids.Length < "the quick brown fox".Length / 2, encoded.StdOut);
        Assert.All(ids, id => Assert.InRange(id, 0, 299));
        Assert.Equal("the quick brown fox", decoded.StdOut);
    }

    [Fact]
    public void A_malformed_rank_file_is_an_error_naming_the_line()
    {
        var model = Path.Combine(_folder, "broken.tiktoken");
        File.WriteAllText(model, "IQ== 0\nIg== 1\nnot-base64!! 2\n");

        var result = CorvidProcess.RunWithInput("hi", "tokenize", "encode", "--encoding", model);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("line 3", result.StdErr);
    }
}
