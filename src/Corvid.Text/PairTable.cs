using System.Numerics;
using System.Runtime.CompilerServices;

namespace Corvid.Text;

/// <summary>
/// (left token, right token) → rank of the token whose bytes are the two joined, for every way of cutting every
/// token into two tokens. During a merge every part is a token, so this answers tiktoken's "is the concatenation of
/// these two parts a token, and of what rank?" without touching bytes. Plus a direct table for two single bytes.
/// </summary>
internal sealed class PairTable
{
    private struct Entry
    {
        public ulong Key;    // ((left + 1) << 32) | right; 0 = empty
        public int Rank;
    }

    private readonly Entry[] _entries;
    private readonly int _shift;
    private readonly int[] _twoBytes; // [b0 << 8 | b1] → rank of the two-byte token, or -1

    public PairTable(RankTable ranks)
    {
        var pairs = new List<(int Left, int Right, int Rank)>();
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
                if (right >= 0) pairs.Add((left, right, rank));
            }
        }
        int bits = Math.Max(4, BitOperations.Log2((uint)Math.Max(1, pairs.Count)) + 2);
        _entries = new Entry[1 << bits];
        _shift = 64 - bits;
        int mask = _entries.Length - 1;
        foreach (var (left, right, rank) in pairs)
        {
            ulong key = Key(left, right);
            int index = (int)((key * 0x9E3779B97F4A7C15UL) >> _shift);
            while (_entries[index].Key != 0) index = (index + 1) & mask;
            _entries[index] = new Entry { Key = key, Rank = rank };
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Key(int left, int right) => ((ulong)(uint)(left + 1) << 32) | (uint)right;

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
        ulong key = Key(left, right);
        var entries = _entries;
        int mask = entries.Length - 1;
        int index = (int)((key * 0x9E3779B97F4A7C15UL) >> _shift);
        while (true)
        {
            ref Entry e = ref entries[index];
            if (e.Key == key) return e.Rank;
            if (e.Key == 0) return int.MaxValue;
            index = (index + 1) & mask;
        }
    }
}
