namespace Corvid.Text.Tests;

/// <summary>Ids equal OpenAI tiktoken's on the whole exactness corpus, for each encoding.</summary>
public class ExactnessTests
{
    public static TheoryData<string> Encodings => new(TiktokenFixture.Encodings);

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Every_corpus_text_encodes_to_the_ids_tiktoken_gives(string encoding)
    {
        var tokenizer = Tokenizer.ForEncoding(encoding);
        var failures = new List<string>();
        int checkedCount = 0;
        foreach (var c in TiktokenFixture.Cases())
        {
            var expected = c.Ids[encoding];
            var actual = tokenizer.EncodeOrdinary(c.Text);
            checkedCount++;
            if (!actual.SequenceEqual(expected))
            {
                failures.Add($"{c.Name} {TiktokenFixture.Describe(c.Text)}\n  tiktoken {TiktokenFixture.Show(expected)}\n  corvid   {TiktokenFixture.Show(actual)}");
            }
        }
        Assert.True(checkedCount >= 300, $"only {checkedCount} cases in the fixture");
        Assert.True(failures.Count == 0, $"{failures.Count} of {checkedCount} texts differ from tiktoken ({encoding}):\n" + string.Join("\n", failures.Take(15)));
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Long_unbroken_runs_encode_to_the_ids_tiktoken_gives(string encoding)
    {
        var tokenizer = Tokenizer.ForEncoding(encoding);
        foreach (var run in TiktokenFixture.Root.GetProperty("pathological").EnumerateArray())
        {
            string prefix = run.TryGetProperty("prefix", out var p) ? p.GetString()! : "";
            string suffix = run.TryGetProperty("suffix", out var s) ? s.GetString()! : "";
            string repeat = run.GetProperty("repeat").GetString()!;
            int count = run.GetProperty("count").GetInt32();
            string text = prefix + string.Concat(Enumerable.Repeat(repeat, count)) + suffix;
            var expected = TiktokenFixture.ExpandRunLengths(run.GetProperty("idsRle").GetProperty(encoding));
            var actual = tokenizer.EncodeOrdinary(text);
            Assert.True(expected.SequenceEqual(actual),
                $"{encoding}: {TiktokenFixture.Describe(prefix)} + {count} × {TiktokenFixture.Describe(repeat)} + {TiktokenFixture.Describe(suffix)}: "
                + $"tiktoken gives {expected.Length} tokens {TiktokenFixture.Show(expected)}, corvid {actual.Length} {TiktokenFixture.Show(actual)}");
        }
    }

    [Fact]
    public void Text_from_invalid_utf8_is_the_text_tiktokens_side_made_with_replacement()
    {
        int seen = 0;
        foreach (var c in TiktokenFixture.Cases().Where(c => c.Utf8 is not null))
        {
            Assert.Equal(c.Text, TiktokenFixture.Utf8.GetString(c.Utf8!));
            Assert.Equal(c.Ids["cl100k_base"], Tokenizer.ForEncoding("cl100k_base").EncodeOrdinary(c.Utf8!));
            seen++;
        }
        Assert.True(seen >= 5);
    }

    [Fact]
    public void Ids_stay_exact_when_one_thread_alternates_encodings_and_repeats_texts()
    {
        // Exercises the per-thread merge cache: hits, misses, and switching between vocabularies.
        var cases = TiktokenFixture.Cases().ToList();
        for (int round = 0; round < 2; round++)
        {
            foreach (var c in cases)
            {
                foreach (var encoding in TiktokenFixture.Encodings)
                {
                    Assert.Equal(c.Ids[encoding], Tokenizer.ForEncoding(encoding).EncodeOrdinary(c.Text));
                }
            }
        }
    }

    [Fact]
    public void Gpt2_gives_the_same_ids_as_r50k_base()
    {
        var gpt2 = Tokenizer.ForEncoding("gpt2");
        int seen = 0;
        foreach (var c in TiktokenFixture.Cases().Where(c => c.Ids.ContainsKey("gpt2")))
        {
            Assert.Equal(c.Ids["gpt2"], gpt2.EncodeOrdinary(c.Text));
            Assert.Equal(c.Ids["r50k_base"], c.Ids["gpt2"]);
            seen++;
        }
        Assert.True(seen > 0);
    }
}
