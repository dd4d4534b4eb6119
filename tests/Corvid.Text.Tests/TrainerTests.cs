using System.Text;
using Corvid.Text.Training;

namespace Corvid.Text.Tests;

public sealed class TrainerTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("corvid-train-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>Training text: the fixture corpus (prose, code, many scripts) and some repeated English.</summary>
    private static string Corpus()
    {
        var sb = new StringBuilder();
        foreach (var c in TiktokenFixture.Cases().Take(60)) sb.Append(c.Text).Append('\n');
        string[] words = ["the", "token", "merge", "pair", "byte", "rank", "encoder", "of", "and", "is", "train", "vocabulary"];
        var random = new Random(5);
        for (int k = 0; k < 3000; k++) sb.Append(' ').Append(words[random.Next(words.Length)]).Append(k % 17 == 0 ? ".\n" : "");
        return sb.ToString();
    }

    private static readonly Lazy<TrainedVocabulary> Trained = new(() =>
        BpeTrainer.Train(Corpus(), new BpeTrainerOptions { VocabularySize = 700, MinPairCount = 1 }));

    [Fact]
    public void The_encoder_reproduces_the_trainers_own_merges_on_every_training_piece()
    {
        var vocabulary = Trained.Value;
        var tokenizer = vocabulary.ToTokenizer();
        Assert.Equal(700, vocabulary.TokenBytes.Count);
        for (int w = 0; w < vocabulary.Pieces.Length; w++)
        {
            Assert.Equal(vocabulary.PieceTokens[w], tokenizer.BytePairEncode(vocabulary.Pieces[w]));
            Assert.Equal(vocabulary.PieceTokens[w], tokenizer.EncodeOrdinary(vocabulary.Pieces[w]));
        }
    }

    [Fact]
    public void Every_learned_token_is_what_its_own_bytes_merge_to()
    {
        var vocabulary = Trained.Value;
        var tokenizer = vocabulary.ToTokenizer();
        for (int id = 0; id < vocabulary.TokenBytes.Count; id++)
        {
            Assert.Equal([id], tokenizer.BytePairEncode(vocabulary.TokenBytes[id]));
        }
        foreach (var merge in vocabulary.Merges)
        {
            Assert.Equal([.. vocabulary.TokenBytes[merge.Left], .. vocabulary.TokenBytes[merge.Right]], vocabulary.TokenBytes[merge.Id]);
        }
    }

    /// <summary>
    /// A slow reference: before every merge, encode every distinct piece from scratch with the ranks so far,
    /// count adjacent pairs, and take the most frequent (ties: smaller left id, then smaller right id).
    /// </summary>
    [Fact]
    public void Merges_equal_those_of_a_naive_trainer_that_recounts_everything_each_step()
    {
        var vocabulary = Trained.Value;
        var ranks = new Dictionary<string, int>();
        var bytesOf = new List<byte[]>();
        for (int b = 0; b < 256; b++) { ranks[Convert.ToHexString([(byte)b])] = b; bytesOf.Add([(byte)b]); }

        int steps = Math.Min(150, vocabulary.Merges.Count);
        for (int step = 0; step < steps; step++)
        {
            var counts = new Dictionary<(int, int), long>();
            for (int w = 0; w < vocabulary.Pieces.Length; w++)
            {
                var parts = NaiveBpe(vocabulary.Pieces[w], ranks, bytesOf);
                for (int k = 0; k + 1 < parts.Count; k++)
                    counts[(parts[k], parts[k + 1])] = counts.GetValueOrDefault((parts[k], parts[k + 1])) + vocabulary.PieceCounts[w];
            }
            var best = counts.OrderByDescending(p => p.Value).ThenBy(p => p.Key.Item1).ThenBy(p => p.Key.Item2).First();
            var learned = vocabulary.Merges[step];
            Assert.Equal((best.Key.Item1, best.Key.Item2, best.Value), (learned.Left, learned.Right, learned.Count));
            byte[] joined = [.. bytesOf[best.Key.Item1], .. bytesOf[best.Key.Item2]];
            ranks[Convert.ToHexString(joined)] = bytesOf.Count;
            bytesOf.Add(joined);
        }
    }

    /// <summary>tiktoken's merge, written plainly: lowest rank first, leftmost on ties.</summary>
    private static List<int> NaiveBpe(byte[] piece, Dictionary<string, int> ranks, List<byte[]> bytesOf)
    {
        var parts = piece.Select(b => (int)b).ToList();
        while (true)
        {
            int best = int.MaxValue, at = -1;
            for (int k = 0; k + 1 < parts.Count; k++)
            {
                if (ranks.TryGetValue(Convert.ToHexString([.. bytesOf[parts[k]], .. bytesOf[parts[k + 1]]]), out int r) && r < best) { best = r; at = k; }
            }
            if (at < 0) return parts;
            parts[at] = best;
            parts.RemoveAt(at + 1);
        }
    }

    [Fact]
    public void The_saved_file_loads_with_its_pattern_and_special_tokens_and_round_trips_text()
    {
        var vocabulary = BpeTrainer.Train(Corpus(), new BpeTrainerOptions
        {
            VocabularySize = 400,
            Pattern = SplitPattern.O200k,
            SpecialTokens = ["<|endoftext|>", "<|pad|>"],
            Name = "tiny",
        });
        var path = Path.Combine(_folder, "tiny.tiktoken");
        vocabulary.Save(path);

        var tokenizer = Tokenizer.Get(path);

        Assert.Equal("tiny", tokenizer.Name);
        Assert.Same(SplitPattern.O200k, tokenizer.Pattern);
        Assert.Equal(400, tokenizer.SpecialTokens["<|endoftext|>"]);
        Assert.Equal(401, tokenizer.SpecialTokens["<|pad|>"]);
        string text = "The byte-pair encoder 👍 merges 日本語 pairs <|pad|>";
        var ids = tokenizer.Encode(text, Tokenizer.AllSpecialTokens);
        Assert.Equal(401, ids[^1]);
        Assert.Equal(text, tokenizer.Decode(ids));
        Assert.Equal(ids, tokenizer.Encode(tokenizer.Decode(ids), Tokenizer.AllSpecialTokens));
        // A lone surrogate comes back as U+FFFD, as in tiktoken; everything else comes back as it was.
        foreach (var c in TiktokenFixture.Cases()) Assert.Equal(Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(c.Text)), tokenizer.Decode(tokenizer.EncodeOrdinary(c.Text)));
    }

    [Fact]
    public void Training_is_deterministic_and_matches_minbpes_wikipedia_example()
    {
        var options = new BpeTrainerOptions { VocabularySize = 259, MinPairCount = 1, SpecialTokens = [] };
        var first = BpeTrainer.Train("aaabdaaabac", options);
        var second = BpeTrainer.Train("aaabdaaabac", options);

        Assert.Equal(first.Merges, second.Merges);
        Assert.Equal([258, 100, 258, 97, 99], first.ToTokenizer().EncodeOrdinary("aaabdaaabac"));
        Assert.Equal(Trained.Value.Merges, BpeTrainer.Train(Corpus(), new BpeTrainerOptions { VocabularySize = 700, MinPairCount = 1 }).Merges);
    }

    [Fact]
    public void Training_stops_when_no_pair_is_frequent_enough_and_rejects_a_size_below_256()
    {
        var vocabulary = BpeTrainer.Train("abcd abcd", new BpeTrainerOptions { VocabularySize = 1000, MinPairCount = 2 });
        Assert.True(vocabulary.TokenBytes.Count < 1000);
        Assert.All(vocabulary.Merges, m => Assert.True(m.Count >= 2));
        Assert.Throws<TokenizerException>(() => BpeTrainer.Train("x", new BpeTrainerOptions { VocabularySize = 100 }));
    }
}
