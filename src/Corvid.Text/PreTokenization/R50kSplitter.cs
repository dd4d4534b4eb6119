using System.Runtime.CompilerServices;
using static Corvid.Text.CharClass;

namespace Corvid.Text.PreTokenization;

/// <summary>
/// r50k_base's (and GPT-2's) pattern, by hand:
/// <c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</c> (contractions are case-sensitive).
/// </summary>
internal readonly struct R50kSplitter : ISplitter
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PieceEnd(ref byte s, int i, int n)
    {
        uint b = Unsafe.Add(ref s, i);
        if (b - 'a' < 26u || b - 'A' < 26u) return Scan.LetterRunEnd(ref s, i + 1, n);
        if (b == ' ' && i + 1 < n)
        {
            uint c = Unsafe.Add(ref s, i + 1);
            if (c - 'a' < 26u || c - 'A' < 26u) return Scan.LetterRunEnd(ref s, i + 2, n);
        }
        return Slow(ref s, i, n, b);
    }

    private static int Slow(ref byte s, int i, int n, uint b)
    {
        if (b == '\'')
        {
            int c = Scan.ContractionLength(ref s, i, n, ignoreCase: false);
            if (c > 0) return i + c;
        }
        int start = i;
        if (b == ' ' && i + 1 < n)
        {
            // ` ?` is taken when what follows is a letter, number or punctuation run.
            byte next = At(ref s, i + 1, out _);
            if ((next & Space) == 0) start = i + 1;
        }
        byte cls = At(ref s, start, out int len);
        int j = start + len;
        if ((cls & Letter) != 0) return Scan.LetterRunEnd(ref s, j, n);
        if ((cls & Number) != 0) return Scan.RunEnd(ref s, j, n, Number);
        if ((cls & Space) == 0) return Scan.PunctuationRunEnd(ref s, j, n);
        return Scan.WhitespaceEnd(ref s, i, n, newLineRule: false);
    }
}
