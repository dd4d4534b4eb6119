using System.Numerics;
using System.Runtime.CompilerServices;

namespace Corvid.Text;

/// <summary>
/// (left token, right token) → rank of the token whose bytes are the two joined, for every way of cutting every
/// token into two tokens. During a merge every part is a token, so this answers tiktoken's "is the concatenation of
/// these two parts a token, and of what rank?" without touching bytes. Plus a direct table for two single bytes.
/// Merging text that does not repeat asks this table at random places, so it is kept small: one 8-byte word per pair
/// (left, right and rank, 21 bits each), open addressing from the start of a bucket of 8 words (a cache line's worth),
/// filled to about 70 %; a lookup mostly reads one or two lines (cl100k_base: 233k pairs in 2.7 MB, was 8 MB).
/// </summary>
internal sealed class PairTable
{
    private const int Bits = 21;
    private const ulong Field = (1UL << Bits) - 1;
    private const int BucketSize = 8;

    /// <summary>Most token ids the packed words can hold.</summary>
    public const int MaxRankLimit = 1 << Bits;

    private readonly ulong[] _words;   // (left + 1) << 42 | right << 21 | rank; 0 = empty
    private readonly ulong _buckets;
    private readonly int[] _twoBytes; // [b0 << 8 | b1] → rank of the two-byte token, or -1

    public PairTable(RankTable ranks)
    {
        if (ranks.RankLimit >= MaxRankLimit)
            throw new TokenizerException($"vocabulary: ranks go up to {ranks.RankLimit - 1}; at most {MaxRankLimit - 2} are supported");
        var pairs = new List<ulong>();
        _twoBytes = new int[1 << 16];
        Array.Fill(_twoBytes, -1);
        for (int rank = 0; rank < ranks.RankLimit; rank++)
        {
            var bytes = ranks.Bytes(rank);
            if (bytes.Length < 2) continue;
            if (bytes.Length == 2) _twoBytes[bytes[0] << 8 | bytes[1]] = rank;
            for (int cut = 1; cut < bytes.Length; cut++)
            {
                int left = ranks.Rank(bytes[..cut]);
                if (left < 0) continue;
                int right = ranks.Rank(bytes[cut..]);
                if (right >= 0) pairs.Add(Key(left, right) | (uint)rank);
            }
        }
        int buckets = pairs.Count * 10 / 7 / BucketSize + 1;
        _buckets = (ulong)buckets;
        _words = new ulong[buckets * BucketSize];
        foreach (ulong word in pairs)
        {
            int index = Bucket(word & ~Field);
            while (_words[index] != 0) index = index + 1 == _words.Length ? 0 : index + 1;
            _words[index] = word;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Key(int left, int right) => ((ulong)(uint)(left + 1) << (2 * Bits)) | ((ulong)(uint)right << Bits);

    /// <summary>First word of the key's bucket: the hash's top 32 bits scaled to the bucket count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Bucket(ulong key) => (int)((((key * 0x9E3779B97F4A7C15UL) >> 32) * _buckets) >> 32) * BucketSize;

    /// <summary>Rank of the token made of the bytes <paramref name="b0"/> then <paramref name="b1"/>, or int.MaxValue.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int TwoBytes(byte b0, byte b1)
    {
        int rank = _twoBytes[b0 << 8 | b1];
        return rank < 0 ? int.MaxValue : rank;
    }

    /// <summary>Rank of the token whose bytes are <paramref name="left"/>'s then <paramref name="right"/>'s, or int.MaxValue.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Merge(int left, int right)
    {
        if ((uint)left >= MaxRankLimit - 1 || (uint)right >= MaxRankLimit) return int.MaxValue;
        ulong key = Key(left, right);
        var words = _words;
        int index = Bucket(key);
        while (true)
        {
            ulong word = words[index];
            if ((word & ~Field) == key) return (int)(word & Field);
            if (word == 0) return int.MaxValue;
            index = index + 1 == words.Length ? 0 : index + 1;
        }
    }
}
