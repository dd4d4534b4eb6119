using System.Runtime.CompilerServices;
using static Corvid.Text.CharClass;

namespace Corvid.Text.PreTokenization;

/// <summary>
/// cl100k_base's pattern, by hand:
/// <c>(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+</c>.
/// The alternatives are tried in that order, as the regex does.
/// </summary>
internal readonly struct Cl100kSplitter : ISplitter
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PieceEnd(ref byte s, int i, int n)
    {
        uint b = Unsafe.Add(ref s, i);
        // Fast path: an ASCII letter starts \p{L}+.
        if (b - 'a' < 26u || b - 'A' < 26u) return Scan.LetterRunEnd(ref s, i + 1, n);
        // Fast path: a space before an ASCII letter, as in " the".
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
            int c = Scan.ContractionLength(ref s, i, n, ignoreCase: true);
            if (c > 0) return i + c;
        }
        byte cls = At(ref s, i, out int len);
        int j = i + len;
        if ((cls & Letter) != 0) return Scan.LetterRunEnd(ref s, j, n);
        // [^\r\n\p{L}\p{N}]?\p{L}+ with the optional character taken.
        if ((cls & (Number | NewLine)) == 0 && j < n && (At(ref s, j, out int nextLen) & Letter) != 0)
            return Scan.LetterRunEnd(ref s, j + nextLen, n);
        if ((cls & Number) != 0)
        {
            // \p{N}{1,3}
            for (int count = 1; count < 3 && j < n; count++)
            {
                if ((At(ref s, j, out int l) & Number) == 0) break;
                j += l;
            }
            return j;
        }
        // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
        if ((cls & Space) == 0) return Scan.NewLinesEnd(ref s, Scan.PunctuationRunEnd(ref s, j, n), n, slash: false);
        if (b == ' ' && j < n && (At(ref s, j, out int pl) & NotPunctuation) == 0)
            return Scan.NewLinesEnd(ref s, Scan.PunctuationRunEnd(ref s, j + pl, n), n, slash: false);
        return Scan.WhitespaceEnd(ref s, i, n, newLineRule: true);
    }
}
