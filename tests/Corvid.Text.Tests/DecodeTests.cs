using System.Text;

namespace Corvid.Text.Tests;

public class DecodeTests
{
    [Fact]
    public void Bytes_and_text_of_id_sequences_that_cut_characters_match_tiktoken()
    {
        int seen = 0;
        foreach (var c in TiktokenFixture.Root.GetProperty("decode").EnumerateArray())
        {
            var tokenizer = Tokenizer.ForEncoding(c.GetProperty("encoding").GetString()!);
            var ids = TiktokenFixture.Ints(c.GetProperty("ids"));
            Assert.Equal(Convert.FromBase64String(c.GetProperty("bytesBase64").GetString()!), tokenizer.DecodeBytes(ids));
            Assert.Equal(c.GetProperty("text").GetString(), tokenizer.Decode(ids));
            seen++;
        }
        Assert.True(seen >= 50);
    }

    [Fact]
    public void Strict_decoding_throws_on_a_cut_character_and_replacement_is_the_default()
    {
        var cl100k = Tokenizer.ForEncoding("cl100k_base");
        int[] thumbsUp = [9468, 239, 235];
        Assert.Equal("👍", cl100k.Decode(thumbsUp, throwOnInvalidUtf8: true));
        Assert.Equal("\uFFFD", cl100k.Decode(thumbsUp[..2]));
        var e = Assert.Throws<TokenizerException>(() => cl100k.Decode(thumbsUp[..2], throwOnInvalidUtf8: true));
        Assert.Contains("UTF-8", e.Message);
    }

    [Theory]
    [InlineData("cl100k_base", 100277)]
    [InlineData("cl100k_base", -1)]
    [InlineData("cl100k_base", 100265)] // between the fim tokens and <|endofprompt|>: no token
    [InlineData("o200k_base", 1_000_000)]
    public void An_unknown_id_is_an_error_naming_it(string encoding, int id)
    {
        var e = Assert.Throws<TokenizerException>(() => Tokenizer.ForEncoding(encoding).Decode([1, id]));
        Assert.Contains(id.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message);
        Assert.Contains(encoding, e.Message);
    }

    [Fact]
    public void Every_token_decodes_to_bytes_that_encode_back_to_it()
    {
        foreach (var name in TiktokenFixture.Encodings)
        {
            var tokenizer = Tokenizer.ForEncoding(name);
            for (int id = 0; id < tokenizer.MergeableTokenCount; id++)
            {
                Assert.Equal(id, tokenizer.EncodeSingleToken(tokenizer.DecodeSingleTokenBytes(id)));
            }
        }
    }
}
