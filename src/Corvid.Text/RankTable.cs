using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Corvid.Text;

/// <summary>
/// The mergeable ranks of an encoding: token bytes → rank (the rank is the token id) and back.
/// Lookups are by byte slice, with open addressing over one flat entry array; a token's first
/// eight bytes live in the entry itself, so most lookups touch one cache line.
/// Callers must leave 8 readable bytes after the slice they look up (the encoder pads its buffers).
/// </summary>
internal sealed class RankTable
{
    /// <summary>
    /// Bytes readable past the end of any text the encoder scans: lookups read 8 bytes at a time, the merge
    /// cache and the letter scanner 16.
    /// </summary>
    public const int Padding = 16;

    private struct Entry
    {
        public ulong Head;   // first 8 bytes, zero-padded
        public int Length;   // 0 = empty slot
        public int Rank;
    }

    private static readonly ulong[] HeadMasks = [0, 0xFF, 0xFFFF, 0xFF_FFFF, 0xFFFF_FFFF, 0xFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF, 0xFF_FFFF_FFFF_FFFF, ulong.MaxValue];

    private readonly Entry[] _entries;
    private readonly int _shift;
    private readonly byte[] _bytes;      // every token's bytes, back to back, then Padding zeros
    private readonly int[] _offsets;     // per rank: start in _bytes, or -1 when no token has that rank
    private readonly int[] _lengths;
    private readonly int[] _byteRanks;   // rank of each single byte, or -1

    /// <summary>Number of tokens.</summary>
    public int Count { get; }

    /// <summary>One past the highest rank.</summary>
    public int RankLimit => _offsets.Length;

    /// <summary>Length in bytes of the longest token.</summary>
    public int MaxTokenLength { get; }

    /// <summary>Builds the table; <paramref name="describe"/> names the i-th token's source for errors (e.g. "line 12").</summary>
    public RankTable(IReadOnlyList<(byte[] Bytes, int Rank)> tokens, Func<int, string> describe)
    {
        int maxRank = -1, total = 0, maxLength = 0;
        foreach (var (bytes, rank) in tokens)
        {
            maxRank = Math.Max(maxRank, rank);
            total += bytes.Length;
            maxLength = Math.Max(maxLength, bytes.Length);
        }
        Count = tokens.Count;
        MaxTokenLength = maxLength;
        _offsets = new int[maxRank + 1];
        _lengths = new int[maxRank + 1];
        Array.Fill(_offsets, -1);
        _bytes = new byte[total + Padding];
        _byteRanks = new int[256];
        Array.Fill(_byteRanks, -1);

        int bits = Math.Max(4, BitOperations.Log2((uint)Math.Max(1, tokens.Count)) + 2); // load ≤ 0.5
        _entries = new Entry[1 << bits];
        _shift = 64 - bits;

        int offset = 0;
        for (int t = 0; t < tokens.Count; t++)
        {
            var (bytes, rank) = tokens[t];
            if (bytes.Length == 0) throw new TokenizerException($"{describe(t)}: empty token for rank {rank}");
            if (rank < 0) throw new TokenizerException($"{describe(t)}: negative rank {rank}");
            if (_offsets[rank] >= 0) throw new TokenizerException($"{describe(t)}: rank {rank} is given twice");
            bytes.CopyTo(_bytes, offset);
            ref byte p = ref _bytes[offset];
            int existing = Rank(ref p, bytes.Length);
            if (existing >= 0) throw new TokenizerException($"{describe(t)}: token bytes of rank {rank} are the same as those of rank {existing}");
            _offsets[rank] = offset;
            _lengths[rank] = bytes.Length;
            Insert(ref p, bytes.Length, rank);
            if (bytes.Length == 1) _byteRanks[bytes[0]] = rank;
            offset += bytes.Length;
        }
    }

    private PairTable? _pairs;

    /// <summary>Merge lookups by token ids, built on first use (a vocabulary that is only decoded never needs it).</summary>
    public PairTable Pairs => _pairs ?? LazyInitializer.EnsureInitialized(ref _pairs, () => new PairTable(this));

    private ShortTokenTable? _shortTokens;

    /// <summary>Ranks of the tokens of up to 4 bytes in a small table, built on first use.</summary>
    public ShortTokenTable ShortTokens => _shortTokens ?? LazyInitializer.EnsureInitialized(ref _shortTokens, () => new ShortTokenTable(this));

    [ThreadStatic] private static MergeCache? t_cache;
    [ThreadStatic] private static RankTable? t_cacheOwner;
    [ThreadStatic] private static (RankTable Owner, MergeCache Cache)[]? t_otherCaches;

    /// <summary>This thread's cache of merge results for this vocabulary.</summary>
    public MergeCache MergeCache
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ReferenceEquals(t_cacheOwner, this) ? t_cache! : SwitchCache();
    }

    /// <summary>The thread moved to another vocabulary: keep the last few caches, most recent first.</summary>
    private MergeCache SwitchCache()
    {
        var others = t_otherCaches ??= new (RankTable, MergeCache)[3];
        var cache = new MergeCache();
        int found = Array.FindIndex(others, e => ReferenceEquals(e.Owner, this));
        if (found >= 0) cache = others[found].Cache;
        int shift = found >= 0 ? found : others.Length - 1;
        Array.Copy(others, 0, others, 1, shift);
        others[0] = (t_cacheOwner!, t_cache!);
        t_cache = cache;
        t_cacheOwner = this;
        return cache;
    }

    /// <summary>Rank of the single byte <paramref name="b"/>, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ByteRank(byte b) => _byteRanks[b];

    /// <summary>Bytes of the token with rank <paramref name="rank"/>; empty when there is none.</summary>
    public ReadOnlySpan<byte> Bytes(int rank) =>
        (uint)rank < (uint)_offsets.Length && _offsets[rank] >= 0 ? _bytes.AsSpan(_offsets[rank], _lengths[rank]) : default;

    /// <summary>Length in bytes of the token with rank <paramref name="rank"/> (which must exist).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int TokenLength(int rank) => _lengths[rank];

    /// <summary>Whether some token has rank <paramref name="rank"/>.</summary>
    public bool Contains(int rank) => (uint)rank < (uint)_offsets.Length && _offsets[rank] >= 0;

    /// <summary>Rank of a byte slice from a safe span (copied to a padded buffer), or -1.</summary>
    public int Rank(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0 || bytes.Length > MaxTokenLength) return -1;
        Span<byte> padded = stackalloc byte[bytes.Length + Padding];
        bytes.CopyTo(padded);
        return Rank(ref MemoryMarshal.GetReference(padded), bytes.Length);
    }

    /// <summary>Rank of the <paramref name="length"/> bytes at <paramref name="p"/>, or -1. 8 bytes past the end must be readable.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Rank(ref byte p, int length)
    {
        ulong head = Unsafe.ReadUnaligned<ulong>(ref p);
        if (length < 8) head &= HeadMasks[length];
        ulong hash = Hash(ref p, length, head);
        var entries = _entries;
        int mask = entries.Length - 1;
        int index = (int)(hash >> _shift);
        while (true)
        {
            ref Entry e = ref entries[index];
            if (e.Head == head && e.Length == length && (length <= 8 || TailEquals(ref p, length, e.Rank))) return e.Rank;
            if (e.Length == 0) return -1;
            index = (index + 1) & mask;
        }
    }

    private void Insert(ref byte p, int length, int rank)
    {
        ulong head = Unsafe.ReadUnaligned<ulong>(ref p);
        if (length < 8) head &= HeadMasks[length];
        int mask = _entries.Length - 1;
        int index = (int)(Hash(ref p, length, head) >> _shift);
        while (_entries[index].Length != 0) index = (index + 1) & mask;
        _entries[index] = new Entry { Head = head, Length = length, Rank = rank };
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Hash(ref byte p, int length, ulong head)
    {
        ulong h = (head ^ (ulong)length) * 0x9E3779B97F4A7C15UL;
        if (length > 8)
        {
            ulong tail = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, length - 8));
            h = (h ^ tail ^ (h >> 29)) * 0xBF58476D1CE4E5B9UL;
        }
        return h; // the table indexes by the top bits, which the multiplications mix from every input bit
    }

    private bool TailEquals(ref byte p, int length, int rank) =>
        MemoryMarshal.CreateReadOnlySpan(ref p, length).SequenceEqual(_bytes.AsSpan(_offsets[rank], length));
}
