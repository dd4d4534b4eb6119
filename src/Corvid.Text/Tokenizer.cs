using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Corvid.Text.PreTokenization;

namespace Corvid.Text;

/// <summary>
/// A byte-level BPE tokenizer with tiktoken's exact behaviour: <see cref="ForEncoding"/> gives
/// <c>cl100k_base</c>, <c>o200k_base</c>, <c>r50k_base</c> and <c>gpt2</c>; <see cref="FromFile"/> loads a
/// <c>.tiktoken</c> rank file (such as one <see cref="Training.BpeTrainer"/> wrote). Instances are immutable
/// and safe to share between threads.
/// </summary>
public sealed partial class Tokenizer
{
    private static readonly ConcurrentDictionary<string, Lazy<Tokenizer>> BuiltIns = new(StringComparer.Ordinal);
    private static readonly IReadOnlySet<string> NoSpecialTokens = new HashSet<string>();

    private readonly RankTable _ranks;
    private readonly Dictionary<string, int> _specialTokens;
    private readonly Dictionary<int, byte[]> _specialBytes;

    /// <summary>The names <see cref="ForEncoding"/> accepts.</summary>
    public static IReadOnlyList<string> EncodingNames { get; } = ["cl100k_base", "o200k_base", "r50k_base", "gpt2"];

    /// <summary>
    /// Pass as <c>allowedSpecial</c> to allow every special token (tiktoken's <c>"all"</c>).
    /// </summary>
    public static IReadOnlySet<string> AllSpecialTokens { get; } = new HashSet<string> { "\0all\0" };

    /// <summary>The encoding's name, e.g. <c>cl100k_base</c>.</summary>
    public string Name { get; }

    /// <summary>How text is cut into pieces before merging.</summary>
    public SplitPattern Pattern { get; }

    /// <summary>Special token strings and their ids.</summary>
    public IReadOnlyDictionary<string, int> SpecialTokens => _specialTokens;

    /// <summary>One past the highest token id (tiktoken's <c>n_vocab</c>).</summary>
    public int VocabularySize { get; }

    /// <summary>Number of mergeable (non-special) tokens.</summary>
    public int MergeableTokenCount => _ranks.Count;

    internal RankTable Ranks => _ranks;

    internal Tokenizer(string name, RankTable ranks, SplitPattern pattern, IReadOnlyDictionary<string, int> specialTokens)
    {
        Name = name;
        _ranks = ranks;
        Pattern = pattern;
        _specialTokens = new Dictionary<string, int>(specialTokens, StringComparer.Ordinal);
        _specialBytes = [];
        foreach (var (text, id) in _specialTokens)
        {
            if (text.Length == 0) throw new TokenizerException($"{name}: a special token is the empty string");
            if (ranks.Contains(id)) throw new TokenizerException($"{name}: special token '{text}' has id {id}, which a mergeable token already has");
            if (!_specialBytes.TryAdd(id, Encoding.UTF8.GetBytes(text))) throw new TokenizerException($"{name}: two special tokens have id {id}");
        }
        VocabularySize = Math.Max(ranks.RankLimit, _specialTokens.Count == 0 ? 0 : _specialTokens.Values.Max() + 1);
    }

    /// <summary>
    /// One of OpenAI's public encodings: <c>cl100k_base</c> (GPT-4, GPT-3.5), <c>o200k_base</c> (GPT-4o),
    /// <c>r50k_base</c> or <c>gpt2</c> (GPT-2, GPT-3). Loaded once, then shared.
    /// </summary>
    public static Tokenizer ForEncoding(string name) =>
        BuiltIns.GetOrAdd(name, n => new Lazy<Tokenizer>(() => LoadBuiltIn(n))).Value;

    private static Tokenizer LoadBuiltIn(string name) => name switch
    {
        "cl100k_base" => new Tokenizer(name, BuiltInVocabularies.Load(name), SplitPattern.Cl100k, new Dictionary<string, int>
        {
            ["<|endoftext|>"] = 100257,
            ["<|fim_prefix|>"] = 100258,
            ["<|fim_middle|>"] = 100259,
            ["<|fim_suffix|>"] = 100260,
            ["<|endofprompt|>"] = 100276,
        }),
        "o200k_base" => new Tokenizer(name, BuiltInVocabularies.Load(name), SplitPattern.O200k, new Dictionary<string, int>
        {
            ["<|endoftext|>"] = 199999,
            ["<|endofprompt|>"] = 200018,
        }),
        "r50k_base" or "gpt2" => new Tokenizer(name, BuiltInVocabularies.Load(name), SplitPattern.R50k, new Dictionary<string, int>
        {
            ["<|endoftext|>"] = 50256,
        }),
        _ => throw new TokenizerException($"unknown encoding '{name}'; known: {string.Join(", ", EncodingNames)}, or a path to a .tiktoken file"),
    };

    /// <summary>
    /// Loads a <c>.tiktoken</c> rank file. Its split pattern and special tokens come from the arguments, else from
    /// the file <c>&lt;path&gt;.json</c> that <c>corvid tokenize train</c> writes beside it, else cl100k_base's
    /// pattern and no special tokens.
    /// </summary>
    public static Tokenizer FromFile(string path, SplitPattern? pattern = null, IReadOnlyDictionary<string, int>? specialTokens = null)
    {
        var ranks = TiktokenFile.Read(path);
        var definition = TokenizerDefinition.ReadBeside(path);
        return new Tokenizer(
            definition?.Name ?? Path.GetFileNameWithoutExtension(path),
            ranks,
            pattern ?? (definition is null ? SplitPattern.Cl100k : SplitPattern.Parse(definition.Pattern)),
            specialTokens ?? definition?.SpecialTokens ?? new Dictionary<string, int>());
    }

    /// <summary>A built-in encoding name, or a path to a <c>.tiktoken</c> file.</summary>
    public static Tokenizer Get(string encodingOrPath) =>
        EncodingNames.Contains(encodingOrPath) ? ForEncoding(encodingOrPath) : FromFile(encodingOrPath);

    /// <summary>
    /// Encodes text as tiktoken's <c>encode</c> does by default: a special token string in the text is an error.
    /// </summary>
    public int[] Encode(string text) => Encode(text, NoSpecialTokens);

    /// <summary>
    /// Encodes text; special token strings in <paramref name="allowedSpecial"/> become their ids
    /// (<see cref="AllSpecialTokens"/> allows all). A special token string in <paramref name="disallowedSpecial"/>
    /// is an error; by default (null) that is every special token not allowed. Others are encoded as text.
    /// </summary>
    public int[] Encode(string text, IReadOnlySet<string> allowedSpecial, IReadOnlySet<string>? disallowedSpecial = null)
    {
        var sink = new IdSink(text.Length / 3 + 8);
        EncodeText(text, allowedSpecial, disallowedSpecial, ref sink);
        return sink.ToArray();
    }

    /// <summary>Encodes text with special token strings treated as plain text.</summary>
    public int[] EncodeOrdinary(string text) => Encode(text, NoSpecialTokens, NoSpecialTokens);

    /// <summary>Encodes UTF-8 bytes as plain text; invalid UTF-8 is replaced by U+FFFD first, as decoding it to a string would.</summary>
    public int[] EncodeOrdinary(ReadOnlySpan<byte> utf8)
    {
        if (!System.Text.Unicode.Utf8.IsValid(utf8)) return EncodeOrdinary(Encoding.UTF8.GetString(utf8));
        var sink = new IdSink(utf8.Length / 3 + 8);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(utf8.Length + RankTable.Padding);
        try
        {
            utf8.CopyTo(buffer);
            EncodeOrdinaryBytes(ref MemoryMarshal.GetArrayDataReference(buffer), utf8.Length, ref sink);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return sink.ToArray();
    }

    /// <summary>The number of tokens <see cref="EncodeOrdinary(string)"/> would give, without making the ids.</summary>
    public int CountTokens(string text) => CountTokens(text, NoSpecialTokens, NoSpecialTokens);

    /// <summary>The number of tokens <see cref="Encode(string, IReadOnlySet{string}, IReadOnlySet{string}?)"/> would give.</summary>
    public int CountTokens(string text, IReadOnlySet<string> allowedSpecial, IReadOnlySet<string>? disallowedSpecial = null)
    {
        var sink = new CountSink();
        EncodeText(text, allowedSpecial, disallowedSpecial, ref sink);
        return sink.Count;
    }

    /// <summary>Encodes many texts on all cores (tiktoken's <c>encode_batch</c>); results are in input order.</summary>
    public int[][] EncodeBatch(IReadOnlyList<string> texts, IReadOnlySet<string>? allowedSpecial = null, IReadOnlySet<string>? disallowedSpecial = null, int maxDegreeOfParallelism = -1)
    {
        var results = new int[texts.Count][];
        var allowed = allowedSpecial ?? NoSpecialTokens;
        Parallel.For(0, texts.Count, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism },
            i => results[i] = Encode(texts[i], allowed, disallowedSpecial));
        return results;
    }

    /// <summary>Encodes many texts as plain text on all cores (tiktoken's <c>encode_ordinary_batch</c>).</summary>
    public int[][] EncodeOrdinaryBatch(IReadOnlyList<string> texts, int maxDegreeOfParallelism = -1) =>
        EncodeBatch(texts, NoSpecialTokens, NoSpecialTokens, maxDegreeOfParallelism);

    /// <summary>The token whose bytes are exactly <paramref name="bytes"/> (a mergeable or special token).</summary>
    public int EncodeSingleToken(ReadOnlySpan<byte> bytes)
    {
        int rank = _ranks.Rank(bytes);
        if (rank >= 0) return rank;
        foreach (var (id, special) in _specialBytes)
        {
            if (bytes.SequenceEqual(special)) return id;
        }
        throw new TokenizerException($"encode: the {bytes.Length} bytes given are not a single token of {Name}");
    }

    /// <summary>Byte-pair merge of one piece from single bytes, without the whole-piece lookup (for tests of the merge rule).</summary>
    internal int[] BytePairEncode(ReadOnlySpan<byte> piece, bool shortcut = true)
    {
        var sink = new IdSink(piece.Length);
        var padded = new byte[piece.Length + RankTable.Padding];
        piece.CopyTo(padded);
        ref byte start = ref MemoryMarshal.GetArrayDataReference(padded);
        if (piece.Length == 0) return [];
        if (shortcut) BytePairMerge.Encode(_ranks, ref start, piece.Length, ref sink);
        else BytePairMerge.EncodeWithoutShortcut(_ranks, ref start, piece.Length, ref sink);
        return sink.ToArray();
    }

    private void EncodeText<TSink>(string text, IReadOnlySet<string> allowedSpecial, IReadOnlySet<string>? disallowedSpecial, ref TSink sink)
        where TSink : struct, ITokenSink
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length) + RankTable.Padding);
        try
        {
            // Lone surrogates become EF BF BD (U+FFFD), as tiktoken does with them.
            int length = Encoding.UTF8.GetBytes(text, buffer);
            EncodeWithSpecials(buffer, length, allowedSpecial, disallowedSpecial, ref sink);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void EncodeOrdinaryBytes<TSink>(ref byte text, int length, ref TSink sink) where TSink : struct, ITokenSink
    {
        switch (Pattern.Implementation)
        {
            case SplitPattern.Kind.Cl100k: EncodePieces<Cl100kSplitter, TSink>(ref text, length, ref sink); break;
            case SplitPattern.Kind.O200k: EncodePieces<O200kSplitter, TSink>(ref text, length, ref sink); break;
            case SplitPattern.Kind.R50k: EncodePieces<R50kSplitter, TSink>(ref text, length, ref sink); break;
            default: EncodeRegexPieces(ref text, length, ref sink); break;
        }
    }

    /// <summary>The hot loop: split, then each piece is one token (most are) or goes to the byte-pair merge.</summary>
    private void EncodePieces<TSplitter, TSink>(ref byte text, int length, ref TSink sink)
        where TSplitter : struct, ISplitter where TSink : struct, ITokenSink
    {
        var ranks = _ranks;
        int maxTokenLength = ranks.MaxTokenLength;
        int i = 0;
        while (i < length)
        {
            int end = TSplitter.PieceEnd(ref text, i, length);
            int pieceLength = end - i;
            ref byte piece = ref Unsafe.Add(ref text, i);
            int rank = pieceLength <= maxTokenLength ? ranks.Rank(ref piece, pieceLength) : -1;
            if (rank >= 0) sink.Add(rank);
            else BytePairMerge.Encode(ranks, ref piece, pieceLength, ref sink);
            i = end;
        }
    }

    /// <summary>A custom pattern: .NET's Regex finds the pieces; text it does not match is skipped, as in tiktoken.</summary>
    private void EncodeRegexPieces<TSink>(ref byte text, int length, ref TSink sink) where TSink : struct, ITokenSink
    {
        string segment = Encoding.UTF8.GetString(MemoryMarshal.CreateReadOnlySpan(ref text, length));
        byte[] piece = ArrayPool<byte>.Shared.Rent(64);
        try
        {
            foreach (var match in Pattern.Compiled!.EnumerateMatches(segment))
            {
                if (match.Length == 0) continue;
                var chars = segment.AsSpan(match.Index, match.Length);
                int needed = Encoding.UTF8.GetMaxByteCount(chars.Length) + RankTable.Padding;
                if (piece.Length < needed)
                {
                    ArrayPool<byte>.Shared.Return(piece);
                    piece = ArrayPool<byte>.Shared.Rent(needed);
                }
                int n = Encoding.UTF8.GetBytes(chars, piece);
                ref byte p = ref MemoryMarshal.GetArrayDataReference(piece);
                int rank = n <= _ranks.MaxTokenLength ? _ranks.Rank(ref p, n) : -1;
                if (rank >= 0) sink.Add(rank);
                else BytePairMerge.Encode(_ranks, ref p, n, ref sink);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(piece);
        }
    }
}
