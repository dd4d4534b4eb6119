using System.Runtime.CompilerServices;
using static Corvid.Text.CharClass;

namespace Corvid.Text.PreTokenization;

/// <summary>
/// o200k_base's pattern, by hand. Its first two alternatives split words at case changes:
/// <code>
/// [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
/// [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
/// </code>
/// then <c>\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+</c>. The upper and lower classes
/// overlap (Lm, Lo and marks are in both), so the backtracking the regex would do is reproduced below.
/// </summary>
internal readonly struct O200kSplitter : ISplitter
{
    private const byte Upper = UpperLike, Lower = LowerLike;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PieceEnd(ref byte s, int i, int n)
    {
        uint b = Unsafe.Add(ref s, i);
        // Fast path: an ASCII word, optionally after one space, of one optional capital then lower-case
        // letters, ending before an ASCII non-letter other than an apostrophe. The first alternative matches
        // exactly that: the space as prefix, the capital as [\p{Lu}...]*, the rest as [\p{Ll}...]+.
        int k = i + (b == ' ' ? 1 : 0);
        if (k < n)
        {
            uint first = Unsafe.Add(ref s, k);
            if (first - 'A' < 26u) k++;
            if (k < n && Unsafe.Add(ref s, k) - (uint)'a' < 26u)
            {
                int e = Scan.AsciiLowerRunEnd(ref s, k + 1, n);
                if (e == n) return e;
                uint c = Unsafe.Add(ref s, e);
                if (c < 0x80 && c - 'A' >= 26u && c != '\'') return e;
            }
        }
        return Slow(ref s, i, n, b);
    }

    private static int Slow(ref byte s, int i, int n, uint b)
    {
        byte cls = At(ref s, i, out int len);
        int j = i + len;
        bool prefix = (cls & (Letter | Number | NewLine)) == 0;
        if ((cls & (Upper | Lower)) != 0 || (prefix && j < n && (At(ref s, j, out _) & (Upper | Lower)) != 0))
        {
            int end = Word(ref s, i, j, prefix, n);
            if (end >= 0) return end;
        }
        if ((cls & Number) != 0)
        {
            for (int count = 1; count < 3 && j < n; count++)
            {
                if ((At(ref s, j, out int l) & Number) == 0) break;
                j += l;
            }
            return j;
        }
        if ((cls & Space) == 0) return Scan.NewLinesEnd(ref s, Scan.PunctuationRunEnd(ref s, j, n), n, slash: true);
        if (b == ' ' && j < n && (At(ref s, j, out int pl) & NotPunctuation) == 0)
            return Scan.NewLinesEnd(ref s, Scan.PunctuationRunEnd(ref s, j + pl, n), n, slash: true);
        return Scan.WhitespaceEnd(ref s, i, n, newLineRule: true);
    }

    /// <summary>The two word alternatives, each with the optional prefix taken first, then not; -1 when neither matches.</summary>
    private static int Word(ref byte s, int i, int afterPrefix, bool prefix, int n)
    {
        int end;
        if (prefix && (end = UpperStarLowerPlus(ref s, afterPrefix, n)) >= 0) return end;
        if ((end = UpperStarLowerPlus(ref s, i, n)) >= 0) return end;
        if (prefix && (end = UpperPlusLowerStar(ref s, afterPrefix, n)) >= 0) return end;
        return UpperPlusLowerStar(ref s, i, n);
    }

    /// <summary><c>U*L+C?</c> from <paramref name="a"/>: the longest upper run, then lower; if no lower follows, give back upper characters until one that is also lower.</summary>
    private static int UpperStarLowerPlus(ref byte s, int a, int n)
    {
        int b = a, lastBothEnd = -1;
        while (b < n)
        {
            byte cls = At(ref s, b, out int len);
            if ((cls & Upper) == 0) break;
            b += len;
            if ((cls & Lower) != 0) lastBothEnd = b;
        }
        if (b < n && (At(ref s, b, out int l) & Lower) != 0) return Contraction(ref s, Scan.RunEnd(ref s, b + l, n, Lower), n);
        return lastBothEnd < 0 ? -1 : Contraction(ref s, lastBothEnd, n);
    }

    /// <summary><c>U+L*C?</c> from <paramref name="a"/>.</summary>
    private static int UpperPlusLowerStar(ref byte s, int a, int n)
    {
        int b = Scan.RunEnd(ref s, a, n, Upper);
        if (b == a) return -1;
        return Contraction(ref s, Scan.RunEnd(ref s, b, n, Lower), n);
    }

    private static int Contraction(ref byte s, int i, int n) =>
        i < n && Unsafe.Add(ref s, i) == '\'' ? i + Scan.ContractionLength(ref s, i, n, ignoreCase: true) : i;
}
