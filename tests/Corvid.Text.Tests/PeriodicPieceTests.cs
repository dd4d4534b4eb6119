using System.Runtime.InteropServices;
using System.Text;

namespace Corvid.Text.Tests;

/// <summary>
/// The shortcut for long repeating pieces (PeriodicPieceMerge) and the pair check it stands on (TokenPairs), against the
/// merge rule run in full (the bucket sweep, itself checked against the plain rule in MergeRuleTests). The tiktoken
/// fixtures' long runs (ExactnessTests) cover the same path against tiktoken itself.
/// </summary>
public class PeriodicPieceTests
{
    private static readonly string[] Units =
    [
        " ", "x", "^", "\n", "\t", "=", "-", "_", ".", "0", "ab", "Ab", "abc", "日", "日本", "ä", "𝐀", "👍", "\r\n", "hello",
        "abcdefghijklmnop", " the", "=-", "ab ", "xyzzy", "  \n",
    ];

    private static byte[] Piece(Random random, string unit, int minBytes, int maxBytes, bool tail)
    {
        int target = random.Next(minBytes, maxBytes);
        var sb = new StringBuilder();
        while (Encoding.UTF8.GetByteCount(sb.ToString()) < target) sb.Append(unit);
        var all = Encoding.UTF8.GetBytes(sb.ToString());
        var bytes = all.AsSpan(0, Math.Min(all.Length, target + random.Next(0, 3))).ToArray(); // may cut a character: merges are on bytes
        if (!tail) return bytes;
        var end = new byte[random.Next(1, PeriodicPieceMerge.MaxTail + 1)];
        for (int k = 0; k < end.Length; k++) end[k] = (byte)" \n.aZ9日"[random.Next(7)];
        return [.. bytes, .. end];
    }

    [Theory]
    [InlineData("cl100k_base")]
    [InlineData("o200k_base")]
    [InlineData("r50k_base")]
    public void Repeating_pieces_merge_exactly_as_the_full_rule(string encoding)
    {
        var tokenizer = Tokenizer.ForEncoding(encoding);
        var random = new Random(7);
        int shortcuts = 0;
        for (int trial = 0; trial < 3 * Units.Length; trial++)
        {
            string unit = Units[trial % Units.Length];
            var piece = Piece(random, unit, PeriodicPieceMerge.MinLength, 9000, tail: trial % 3 == 2);
            var expected = tokenizer.BytePairEncode(piece, shortcut: false);
            var sink = new IdSink(16);
            var padded = new byte[piece.Length + RankTable.Padding];
            piece.CopyTo(padded);
            if (PeriodicPieceMerge.TryEncode(tokenizer.Ranks, ref MemoryMarshal.GetArrayDataReference(padded), piece.Length, ref sink))
            {
                shortcuts++;
                Assert.True(expected.SequenceEqual(sink.ToArray()),
                    $"{encoding}: {piece.Length} bytes repeating {TiktokenFixture.Describe(unit)}: the full rule gives {expected.Length} tokens, the shortcut {sink.Count}");
            }
            Assert.Equal(expected, tokenizer.BytePairEncode(piece));
        }
        Assert.True(shortcuts >= 2 * Units.Length, $"only {shortcuts} pieces took the shortcut");
    }

    [Fact]
    public void The_shortcut_takes_a_piece_with_a_short_tail_and_declines_one_that_does_not_repeat()
    {
        var ranks = Tokenizer.ForEncoding("cl100k_base").Ranks;
        Assert.True(TryShortcut(ranks, Encoding.UTF8.GetBytes(new string(' ', 100_000) + "\n")));
        Assert.True(TryShortcut(ranks, Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("日", 5000)))));
        var random = new Random(3);
        var letters = Encoding.ASCII.GetBytes(new string(Enumerable.Range(0, 5000).Select(_ => (char)('a' + random.Next(26))).ToArray()));
        Assert.False(TryShortcut(ranks, letters));
        Assert.False(TryShortcut(ranks, Encoding.UTF8.GetBytes(new string('x', 3000) + new string('y', PeriodicPieceMerge.MaxTail + 1))));
    }

    private static bool TryShortcut(RankTable ranks, byte[] piece)
    {
        var padded = new byte[piece.Length + RankTable.Padding];
        piece.CopyTo(padded);
        var sink = new CountSink();
        return PeriodicPieceMerge.TryEncode(ranks, ref MemoryMarshal.GetArrayDataReference(padded), piece.Length, ref sink);
    }

    [Theory]
    [InlineData("cl100k_base")]
    [InlineData("o200k_base")]
    public void The_pair_check_agrees_with_merging_the_pairs_bytes(string encoding)
    {
        var tokenizer = Tokenizer.ForEncoding(encoding);
        var ranks = tokenizer.Ranks;
        var pairs = TokenPairs.ForThisThread(ranks);
        var random = new Random(11);
        // Runs of one character give many compatible pairs and many that are not; random tokens give the ordinary case.
        var runTokens = Enumerable.Range(1, ranks.MaxTokenLength).Select(k => ranks.Rank(Encoding.ASCII.GetBytes(new string(' ', k))))
            .Where(t => t >= 0).ToArray();
        int compatible = 0, checkedPairs = 0;
        for (int trial = 0; trial < 4000; trial++)
        {
            int left = trial % 2 == 0 ? runTokens[random.Next(runTokens.Length)] : random.Next(ranks.RankLimit);
            int right = trial % 2 == 0 ? runTokens[random.Next(runTokens.Length)] : random.Next(ranks.RankLimit);
            if (!ranks.Contains(left) || !ranks.Contains(right)) continue;
            var merged = tokenizer.BytePairEncode([.. ranks.Bytes(left), .. ranks.Bytes(right)], shortcut: false);
            bool expected = merged.Length == 2 && merged[0] == left && merged[1] == right;
            Assert.True(expected == pairs.Compatible(left, right), $"{encoding}: pair ({left}, {right}): merging gives [{string.Join(", ", merged)}]");
            checkedPairs++;
            if (expected) compatible++;
        }
        Assert.True(compatible > 200 && checkedPairs - compatible > 200, $"{compatible} compatible of {checkedPairs}");
    }
}
