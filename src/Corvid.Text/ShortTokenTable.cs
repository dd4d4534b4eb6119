using System.Runtime.CompilerServices;

namespace Corvid.Text;

/// <summary>
/// Ranks of the tokens of at most <see cref="MaxLength"/> bytes, by their bytes, in a table small enough to stay in the
/// CPU's L2 cache (cl100k_base: 31k tokens in 410 KB). Merging text that does not repeat (random letters, base64) makes
/// mostly such short tokens, and asking the much larger <see cref="PairTable"/> for each costs a trip to main memory.
/// One 8-byte word per token: the bytes (32 bits), the length (3) and the rank (21).
/// </summary>
internal sealed class ShortTokenTable
{
    public const int MaxLength = 4;

    private const int RankBits = 21;
    private const ulong RankMask = (1UL << RankBits) - 1;

    private static readonly uint[] Masks = [0, 0xFF, 0xFFFF, 0xFF_FFFF, 0xFFFF_FFFF];

    private readonly ulong[] _words; // (length << 32 | bytes) << 21 | rank; 0 = empty
    private readonly ulong _size;

    public ShortTokenTable(RankTable ranks)
    {
        var words = new List<ulong>();
        for (int rank = 0; rank < ranks.RankLimit; rank++)
        {
            var bytes = ranks.Bytes(rank);
            if (bytes.Length == 0 || bytes.Length > MaxLength) continue;
            uint packed = 0;
            for (int k = bytes.Length - 1; k >= 0; k--) packed = packed << 8 | bytes[k];
            words.Add(Key(packed, bytes.Length) << RankBits | (uint)rank);
        }
        _size = (ulong)(words.Count * 5 / 3 + 1);
        _words = new ulong[_size];
        foreach (ulong word in words)
        {
            int index = Index(word >> RankBits);
            while (_words[index] != 0) index = index + 1 == _words.Length ? 0 : index + 1;
            _words[index] = word;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Key(uint bytes, int length) => (ulong)length << 32 | bytes;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Index(ulong key) => (int)((((key * 0x9E3779B97F4A7C15UL) >> 32) * _size) >> 32);

    /// <summary>
    /// Rank of the <paramref name="length"/> (1..4) bytes at <paramref name="p"/>, or int.MaxValue when they are not a token.
    /// 4 bytes from <paramref name="p"/> must be readable.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Rank(ref byte p, int length)
    {
        ulong key = Key(Unsafe.ReadUnaligned<uint>(ref p) & Masks[length], length);
        var words = _words;
        int index = Index(key);
        while (true)
        {
            ulong word = words[index];
            if (word >> RankBits == key) return (int)(word & RankMask);
            if (word == 0) return int.MaxValue;
            index = index + 1 == words.Length ? 0 : index + 1;
        }
    }
}
