namespace Corvid.Text.Training;

/// <summary>What <see cref="BpeTrainer"/> learned: token bytes by rank, the merges in order, and the special tokens.</summary>
public sealed class TrainedVocabulary
{
    internal TrainedVocabulary(string name, SplitPattern pattern, IReadOnlyList<byte[]> tokenBytes, IReadOnlyDictionary<string, int> specialTokens,
        IReadOnlyList<Merge> merges, byte[][] pieces, long[] pieceCounts, int[][] pieceTokens)
    {
        Name = name;
        Pattern = pattern;
        TokenBytes = tokenBytes;
        SpecialTokens = specialTokens;
        Merges = merges;
        Pieces = pieces;
        PieceCounts = pieceCounts;
        PieceTokens = pieceTokens;
    }

    public string Name { get; }
    public SplitPattern Pattern { get; }

    /// <summary>Bytes of each mergeable token; the index is its rank and id (0..255 are the single bytes).</summary>
    public IReadOnlyList<byte[]> TokenBytes { get; }

    public IReadOnlyDictionary<string, int> SpecialTokens { get; }

    /// <summary>The merges, in the order learned.</summary>
    public IReadOnlyList<Merge> Merges { get; }

    /// <summary>Each distinct training piece, how often it occurred, and the tokens training ended with for it.</summary>
    internal byte[][] Pieces { get; }
    internal long[] PieceCounts { get; }
    internal int[][] PieceTokens { get; }

    /// <summary>A tokenizer for this vocabulary.</summary>
    public Tokenizer ToTokenizer() =>
        new(Name, new RankTable([.. TokenBytes.Select((b, rank) => (b, rank))], t => $"trained token {t}"), Pattern, SpecialTokens);

    /// <summary>Writes <paramref name="path"/> (a <c>.tiktoken</c> rank file) and <c>path.json</c> (name, pattern, special tokens).</summary>
    public void Save(string path)
    {
        TiktokenFile.Write(path, TokenBytes.Select((b, rank) => (b, rank)));
        new TokenizerDefinition(Name, Pattern.Regex, SpecialTokens).WriteBeside(path);
    }
}
