using System.Text;

namespace Corvid.Text.Tests;

/// <summary>The merge of long pieces (bucket sweep) and short ones (scan, cache) against tiktoken's rule written plainly.</summary>
public class MergeRuleTests
{
    /// <summary>Lowest rank first, leftmost on ties, ranks looked up by the bytes of the two parts joined.</summary>
    private static List<int> ReferenceMerge(Tokenizer tokenizer, byte[] piece)
    {
        var parts = piece.Select(b => new[] { b }).ToList();
        while (true)
        {
            int best = int.MaxValue, at = -1;
            for (int k = 0; k + 1 < parts.Count; k++)
            {
                int rank = tokenizer.Ranks.Rank([.. parts[k], .. parts[k + 1]]);
                if (rank >= 0 && rank < best) { best = rank; at = k; }
            }
            if (at < 0) return parts.Select(p => tokenizer.Ranks.Rank(p)).ToList();
            parts[at] = [.. parts[at], .. parts[at + 1]];
            parts.RemoveAt(at + 1);
        }
    }

    [Theory]
    [InlineData("cl100k_base")]
    [InlineData("o200k_base")]
    [InlineData("r50k_base")]
    public void Long_and_short_pieces_merge_exactly_as_the_plain_rule(string encoding)
    {
        var tokenizer = Tokenizer.ForEncoding(encoding);
        string[] alphabets = ["ab", "abc ", "x^", "aeiou", "0123", " \n", "th e", "日本", "👍a", "_-=", "abcdefghijklmnopqrstuvwxyz"];
        var random = new Random(2024);
        for (int trial = 0; trial < 120; trial++)
        {
            string alphabet = alphabets[trial % alphabets.Length];
            int length = trial % 3 == 0 ? random.Next(2, 64) : random.Next(65, 700);
            var sb = new StringBuilder();
            while (Encoding.UTF8.GetByteCount(sb.ToString()) < length)
            {
                // Runs and repeats make merges interleave ranks.
                var e = StringInfoElements(alphabet);
                string unit = e[random.Next(e.Length)];
                sb.Append(string.Concat(Enumerable.Repeat(unit, random.Next(1, 6))));
            }
            var piece = Encoding.UTF8.GetBytes(sb.ToString());
            Assert.Equal(ReferenceMerge(tokenizer, piece), tokenizer.BytePairEncode(piece));
        }
    }

    private static string[] StringInfoElements(string s)
    {
        var list = new List<string>();
        var e = System.Globalization.StringInfo.GetTextElementEnumerator(s);
        while (e.MoveNext()) list.Add((string)e.Current);
        return [.. list];
    }

    [Fact]
    public void A_million_byte_run_encodes_in_linear_time_to_the_tokens_tiktoken_gives_per_block()
    {
        // 100,000 × "x" is checked against tiktoken in the fixtures; a million must be ten times that
        // when the run splits into whole tokens the same way (it does: 8 × "x" is one token, 1e6 = 8 × 125,000).
        var cl100k = Tokenizer.ForEncoding("cl100k_base");
        var million = cl100k.EncodeOrdinary(new string('x', 1_000_000));
        var tenThousand = cl100k.EncodeOrdinary(new string('x', 10_000));
        Assert.Equal(tenThousand.Length * 100, million.Length);
        Assert.All(million, id => Assert.Equal(tenThousand[0], id));
    }
}
