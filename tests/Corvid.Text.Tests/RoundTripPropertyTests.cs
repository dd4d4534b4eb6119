using System.Text;

namespace Corvid.Text.Tests;

/// <summary>decode(encode(s)) == s for arbitrary strings, and counting agrees with encoding.</summary>
public class RoundTripPropertyTests
{
    private static readonly int[][] Ranges =
    [
        [0x00, 0x7F], [0x80, 0x2FF], [0x300, 0x36F], [0x370, 0x52F], [0x590, 0x6FF], [0x900, 0x9FF], [0xE00, 0xE7F],
        [0x1100, 0x11FF], [0x2000, 0x206F], [0x2070, 0x2BFF], [0x3000, 0x30FF], [0x4E00, 0x9FFF], [0xAC00, 0xD7A3],
        [0xFF00, 0xFFEF], [0x10000, 0x1034F], [0x10400, 0x1044F], [0x1D400, 0x1D7FF], [0x1F300, 0x1FAFF], [0x20000, 0x2A6DF],
        [0xE0000, 0xE007F], [0x10FFF0, 0x10FFFF],
    ];

    private static string RandomString(Random random, int maxLength)
    {
        var sb = new StringBuilder();
        int length = random.Next(0, maxLength);
        var range = Ranges[random.Next(Ranges.Length)];
        for (int k = 0; k < length; k++)
        {
            if (random.Next(4) == 0) range = Ranges[random.Next(Ranges.Length)];
            int cp = random.Next(range[0], range[1] + 1);
            if (random.Next(6) == 0) cp = " \t\n\r'sS0"[random.Next(8)];
            if (cp is >= 0xD800 and <= 0xDFFF) continue;
            sb.Append(char.ConvertFromUtf32(cp));
        }
        return sb.ToString();
    }

    [Theory]
    [InlineData("cl100k_base")]
    [InlineData("o200k_base")]
    [InlineData("r50k_base")]
    public void Decode_of_encode_is_the_identity_on_random_strings(string encoding)
    {
        var tokenizer = Tokenizer.ForEncoding(encoding);
        var random = new Random(1234);
        for (int trial = 0; trial < 3000; trial++)
        {
            string text = RandomString(random, trial % 10 == 0 ? 400 : 40);
            var ids = tokenizer.EncodeOrdinary(text);
            Assert.Equal(text, tokenizer.Decode(ids));
            Assert.Equal(ids.Length, tokenizer.CountTokens(text));
            Assert.Equal(ids, tokenizer.EncodeOrdinary(Encoding.UTF8.GetBytes(text)));
        }
    }

    [Fact]
    public void Random_bytes_decode_with_replacement_and_that_text_round_trips()
    {
        var cl100k = Tokenizer.ForEncoding("cl100k_base");
        var random = new Random(99);
        for (int trial = 0; trial < 500; trial++)
        {
            var bytes = new byte[random.Next(0, 64)];
            random.NextBytes(bytes);
            string text = Encoding.UTF8.GetString(bytes);
            Assert.Equal(cl100k.EncodeOrdinary(text), cl100k.EncodeOrdinary(bytes));
            Assert.Equal(text, cl100k.Decode(cl100k.EncodeOrdinary(bytes)));
        }
    }

    [Fact]
    public void A_lone_surrogate_encodes_as_the_replacement_character_like_tiktoken()
    {
        var cl100k = Tokenizer.ForEncoding("cl100k_base");
        Assert.Equal(cl100k.EncodeOrdinary("a\uFFFDb"), cl100k.EncodeOrdinary("a\uD800b"));
    }

    [Fact]
    public void Batch_encoding_on_all_cores_gives_each_texts_own_ids_in_order()
    {
        var cl100k = Tokenizer.ForEncoding("cl100k_base");
        var random = new Random(7);
        var texts = Enumerable.Range(0, 400).Select(_ => RandomString(random, 200)).ToList();
        var batch = cl100k.EncodeOrdinaryBatch(texts);
        Assert.Equal(texts.Count, batch.Length);
        for (int k = 0; k < texts.Count; k++) Assert.Equal(cl100k.EncodeOrdinary(texts[k]), batch[k]);
    }
}
