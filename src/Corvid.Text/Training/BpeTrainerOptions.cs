namespace Corvid.Text.Training;

/// <summary>What <see cref="BpeTrainer"/> learns.</summary>
public sealed record BpeTrainerOptions
{
    /// <summary>Mergeable tokens to end with: the 256 single bytes plus the merges. Special tokens come after.</summary>
    public int VocabularySize { get; init; } = 32_000;

    /// <summary>How training text is cut into pieces (the unit merges never cross). GPT-4's pattern by default.</summary>
    public SplitPattern Pattern { get; init; } = SplitPattern.Cl100k;

    /// <summary>Special token strings, given ids after the mergeable tokens; they are cut out of the training text.</summary>
    public IReadOnlyList<string> SpecialTokens { get; init; } = ["<|endoftext|>"];

    /// <summary>Training stops early when the most frequent pair occurs fewer times than this.</summary>
    public int MinPairCount { get; init; } = 2;

    /// <summary>The name the trained tokenizer reports.</summary>
    public string Name { get; init; } = "custom";
}

/// <summary>Where training is: <c>Stage</c> is "counting" (bytes read) or "merging" (merges done).</summary>
public readonly record struct TrainingProgress(string Stage, long Done, long Total);
