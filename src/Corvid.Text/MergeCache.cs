using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Corvid.Text;

/// <summary>
/// Recent byte-pair merge results of short pieces, per thread: direct-mapped, keyed by the piece's bytes.
/// Words that are not single tokens recur (Zipf), and a merge costs a dozen dependent lookups in tables far
/// larger than the CPU cache, while a hit here costs one. Results are exact copies of what the merge made.
/// </summary>
internal sealed class MergeCache
{
    /// <summary>Longest piece cached, in bytes.</summary>
    public const int MaxPieceLength = 16;

    /// <summary>Most tokens a cached result holds.</summary>
    public const int MaxTokens = 6;

    private const int Bits = 12;

    [StructLayout(LayoutKind.Sequential)]
    private struct Slot
    {
        public ulong Head;
        public ulong Tail;
        public int Length;   // 0 = empty
        public int Count;
        public Tokens Ids;
    }

    [InlineArray(MaxTokens)]
    private struct Tokens
    {
        private int _first;
    }

    private static readonly ulong[] Masks = [0, 0xFF, 0xFFFF, 0xFF_FFFF, 0xFFFF_FFFF, 0xFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF, 0xFF_FFFF_FFFF_FFFF, ulong.MaxValue];

    private readonly Slot[] _slots = new Slot[1 << Bits];

    /// <summary>Reads a piece of 2..16 bytes as two words (8 readable bytes past the end are required).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (ulong Head, ulong Tail) Key(ref byte piece, int length)
    {
        ulong head = Unsafe.ReadUnaligned<ulong>(ref piece);
        ulong tail = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref piece, 8));
        if (length < 8) return (head & Masks[length], 0);
        return (head, tail & Masks[length - 8]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Index(ulong head, ulong tail, int length) =>
        (int)(((head ^ (tail * 0xC2B2AE3D27D4EB4FUL) ^ (ulong)length) * 0x9E3779B97F4A7C15UL) >> (64 - Bits));

    /// <summary>The cached tokens of the piece, or an empty span.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<int> Find(ulong head, ulong tail, int length)
    {
        ref Slot slot = ref _slots[Index(head, tail, length)];
        if (slot.Length == length && slot.Head == head && slot.Tail == tail)
            return MemoryMarshal.CreateReadOnlySpan(ref slot.Ids[0], slot.Count);
        return default;
    }

    public void Store(ulong head, ulong tail, int length, ReadOnlySpan<int> tokens)
    {
        if (tokens.Length > MaxTokens) return;
        ref Slot slot = ref _slots[Index(head, tail, length)];
        slot.Head = head;
        slot.Tail = tail;
        slot.Length = length;
        slot.Count = tokens.Length;
        tokens.CopyTo(MemoryMarshal.CreateSpan(ref slot.Ids[0], MaxTokens));
    }
}
