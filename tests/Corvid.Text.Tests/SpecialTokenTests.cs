namespace Corvid.Text.Tests;

/// <summary>tiktoken's special-token semantics: allowed, disallowed (an error), or plain text.</summary>
public class SpecialTokenTests
{
    private static IReadOnlySet<string>? Set(System.Text.Json.JsonElement e) =>
        e.ValueKind == System.Text.Json.JsonValueKind.String ? Tokenizer.AllSpecialTokens : e.EnumerateArray().Select(x => x.GetString()!).ToHashSet();

    [Fact]
    public void Allowed_and_disallowed_sets_behave_as_in_tiktoken()
    {
        int checkedCount = 0, errors = 0;
        foreach (var c in TiktokenFixture.Root.GetProperty("special").EnumerateArray())
        {
            var tokenizer = Tokenizer.ForEncoding(c.GetProperty("encoding").GetString()!);
            string text = c.GetProperty("text").GetString()!;
            var allowed = Set(c.GetProperty("allowed"))!;
            var disallowedJson = c.GetProperty("disallowed");
            // tiktoken's "all" for disallowed means every special token not allowed: our null.
            var disallowed = disallowedJson.ValueKind == System.Text.Json.JsonValueKind.String ? null : Set(disallowedJson);
            string what = $"{tokenizer.Name} {TiktokenFixture.Describe(text)} allowed={c.GetProperty("allowed")} disallowed={disallowedJson}";
            if (c.TryGetProperty("error", out _))
            {
                var e = Assert.Throws<TokenizerException>(() => tokenizer.Encode(text, allowed, disallowed));
                Assert.Contains("special token '<|", e.Message);
                Assert.Throws<TokenizerException>(() => tokenizer.CountTokens(text, allowed, disallowed));
                errors++;
            }
            else
            {
                var expected = TiktokenFixture.Ints(c.GetProperty("ids"));
                Assert.True(expected.SequenceEqual(tokenizer.Encode(text, allowed, disallowed)), what);
                Assert.Equal(expected.Length, tokenizer.CountTokens(text, allowed, disallowed));
            }
            checkedCount++;
        }
        Assert.True(checkedCount >= 100 && errors >= 10, $"{checkedCount} cases, {errors} errors");
    }

    [Fact]
    public void Plain_encode_rejects_special_text_and_names_it_while_encode_ordinary_treats_it_as_text()
    {
        var cl100k = Tokenizer.ForEncoding("cl100k_base");

        var error = Assert.Throws<TokenizerException>(() => cl100k.Encode("hi <|endoftext|>"));
        Assert.Contains("<|endoftext|>", error.Message);
        Assert.Equal([15339, 220, 100257], cl100k.Encode("hello <|endoftext|>", Tokenizer.AllSpecialTokens));
        Assert.Equal(cl100k.EncodeOrdinary("<|endoftext|>"), cl100k.Encode("<|endoftext|>", new HashSet<string>(), new HashSet<string>()));
        Assert.DoesNotContain(100257, cl100k.EncodeOrdinary("<|endoftext|>"));
    }

    [Fact]
    public void Special_tokens_decode_to_their_text()
    {
        var o200k = Tokenizer.ForEncoding("o200k_base");
        Assert.Equal("<|endoftext|>", o200k.Decode([199999]));
        Assert.Equal(199999, o200k.EncodeSingleToken("<|endoftext|>"u8));
        Assert.Equal(200019, o200k.VocabularySize);
        Assert.Equal(100277, Tokenizer.ForEncoding("cl100k_base").VocabularySize);
        Assert.Equal(50257, Tokenizer.ForEncoding("r50k_base").VocabularySize);
    }
}
