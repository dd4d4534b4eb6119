using System.Runtime.InteropServices;
using System.Text;

namespace Corvid.Text.Tests;

/// <summary>
/// Long pieces that do not repeat, merged chunk by chunk (ChunkedPieceMerge), and the small table of short tokens the
/// merge asks, against the merge rule run in full (the bucket sweep, itself checked against the plain rule in MergeRuleTests).
/// </summary>
public class ChunkedPieceTests
{
    private static readonly string[] Alphabets =
    [
        "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+/", "aeiou", "ab", "x^", "0123456789",
        " \n\t", "日本語の文", "абвгдежз", "👍🎉a", "_-=.", "thequickbrownfox ",
    ];

    [Theory]
    [InlineData("cl100k_base")]
    [InlineData("o200k_base")]
    [InlineData("r50k_base")]
    public void Long_pieces_that_do_not_repeat_merge_exactly_as_the_full_rule(string encoding)
    {
        var tokenizer = Tokenizer.ForEncoding(encoding);
        var random = new Random(5);
        int chunked = 0;
        for (int trial = 0; trial < 4 * Alphabets.Length; trial++)
        {
            var elements = Alphabets[trial % Alphabets.Length].EnumerateRunes().Select(r => r.ToString()).ToArray();
            var sb = new StringBuilder();
            int target = trial % 2 == 0 ? random.Next(65, 600) : random.Next(2000, 12000);
            while (sb.Length < target)
            {
                // Words of a few letters and some runs, so merges cross chunk edges in many ways.
                string unit = elements[random.Next(elements.Length)];
                sb.Append(random.Next(8) == 0 ? string.Concat(Enumerable.Repeat(unit, random.Next(2, 20))) : unit);
            }
            var piece = Encoding.UTF8.GetBytes(sb.ToString());
            var expected = tokenizer.BytePairEncode(piece, shortcut: false);
            var padded = new byte[piece.Length + RankTable.Padding];
            piece.CopyTo(padded);
            var sink = new IdSink(16);
            if (ChunkedPieceMerge.TryEncode(tokenizer.Ranks, ref MemoryMarshal.GetArrayDataReference(padded), piece.Length, ref sink))
            {
                chunked++;
                Assert.True(expected.SequenceEqual(sink.ToArray()),
                    $"{encoding}: {piece.Length} bytes of {TiktokenFixture.Describe(Alphabets[trial % Alphabets.Length])}: the full rule gives {expected.Length} tokens, the chunks {sink.Count}");
            }
            Assert.Equal(expected, tokenizer.BytePairEncode(piece));
        }
        Assert.True(chunked >= 3 * Alphabets.Length, $"only {chunked} pieces were merged in chunks");
    }

    [Theory]
    [InlineData("cl100k_base")]
    [InlineData("o200k_base")]
    public void The_short_token_table_knows_every_token_of_up_to_four_bytes_and_nothing_else(string encoding)
    {
        var ranks = Tokenizer.ForEncoding(encoding).Ranks;
        var table = ranks.ShortTokens;
        var buffer = new byte[4 + RankTable.Padding];
        int tokens = 0;
        for (int rank = 0; rank < ranks.RankLimit; rank++)
        {
            var bytes = ranks.Bytes(rank);
            if (bytes.Length is 0 or > ShortTokenTable.MaxLength) continue;
            Array.Fill(buffer, (byte)0xAB); // bytes after the token must not matter
            bytes.CopyTo(buffer);
            Assert.Equal(rank, table.Rank(ref buffer[0], bytes.Length));
            tokens++;
        }
        Assert.True(tokens > 10_000);
        var random = new Random(9);
        int absent = 0;
        for (int trial = 0; trial < 20_000; trial++)
        {
            int length = random.Next(1, ShortTokenTable.MaxLength + 1);
            random.NextBytes(buffer);
            int expected = ranks.Rank(buffer.AsSpan(0, length));
            Assert.Equal(expected < 0 ? int.MaxValue : expected, table.Rank(ref buffer[0], length));
            if (expected < 0) absent++;
        }
        Assert.True(absent > 1000);
    }
}
