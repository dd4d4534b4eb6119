using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Corvid.Text.PreTokenization;

/// <summary>Small scanners the splitters share: runs of one class, contractions, whitespace runs.</summary>
internal static class Scan
{
    /// <summary>End of the run of code points that have any of <paramref name="classBits"/>, from <paramref name="i"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int RunEnd(ref byte s, int i, int n, byte classBits)
    {
        while (i < n)
        {
            if ((CharClass.At(ref s, i, out int len) & classBits) == 0) break;
            i += len;
        }
        return i;
    }

    /// <summary>
    /// End of a run of letters. ASCII letters are skipped 16 bytes at a time (the text is padded so the last
    /// load stays inside the buffer); a non-ASCII byte falls back to decoding code points.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int LetterRunEnd(ref byte s, int i, int n)
    {
        while (i < n)
        {
            uint notLetters = ~AsciiLetterMask(Vector128.LoadUnsafe(ref s, (nuint)i)) & 0xFFFF;
            if (notLetters == 0)
            {
                i += 16;
                continue;
            }
            i += BitOperations.TrailingZeroCount(notLetters);
            if (i >= n) return n;
            if (Unsafe.Add(ref s, i) < 0x80) return i;
            return LetterRunEndSlow(ref s, i, n);
        }
        return n;
    }

    /// <summary>Bit k set when byte k is an ASCII letter.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint AsciiLetterMask(Vector128<byte> bytes) =>
        Vector128.LessThan((bytes | Vector128.Create((byte)0x20)) - Vector128.Create((byte)'a'), Vector128.Create((byte)26)).ExtractMostSignificantBits();

    /// <summary>Bit k set when byte k is a lower-case ASCII letter.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint AsciiLowerMask(Vector128<byte> bytes) =>
        Vector128.LessThan(bytes - Vector128.Create((byte)'a'), Vector128.Create((byte)26)).ExtractMostSignificantBits();

    /// <summary>End of a run of lower-case ASCII letters from <paramref name="i"/> (may pass <paramref name="n"/>; callers clamp).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int AsciiLowerRunEnd(ref byte s, int i, int n)
    {
        while (i < n)
        {
            uint notLower = ~AsciiLowerMask(Vector128.LoadUnsafe(ref s, (nuint)i)) & 0xFFFF;
            if (notLower != 0) return Math.Min(n, i + BitOperations.TrailingZeroCount(notLower));
            i += 16;
        }
        return n;
    }

    private static int LetterRunEndSlow(ref byte s, int i, int n)
    {
        while (i < n)
        {
            uint b = Unsafe.Add(ref s, i);
            if (b - 'a' < 26u || b - 'A' < 26u) { i++; continue; }
            if (b < 0x80) break;
            if ((CharClass.At(ref s, i, out int len) & CharClass.Letter) == 0) break;
            i += len;
        }
        return i;
    }

    /// <summary>End of a run of code points that are neither letter, number nor whitespace.</summary>
    public static int PunctuationRunEnd(ref byte s, int i, int n)
    {
        while (i < n)
        {
            if ((CharClass.At(ref s, i, out int len) & CharClass.NotPunctuation) != 0) break;
            i += len;
        }
        return i;
    }

    /// <summary>End of a run of the ASCII bytes \r and \n (and '/' when <paramref name="slash"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int NewLinesEnd(ref byte s, int i, int n, bool slash)
    {
        while (i < n)
        {
            byte b = Unsafe.Add(ref s, i);
            if (b != '\n' && b != '\r' && !(slash && b == '/')) break;
            i++;
        }
        return i;
    }

    /// <summary>
    /// Length of an English contraction at <paramref name="i"/> (which holds an apostrophe): one of
    /// <c>'s 't 're 've 'm 'll 'd</c>, or 0. With <paramref name="ignoreCase"/> it follows Unicode simple
    /// case folding as tiktoken's regex engine does, so <c>'S</c> and <c>'ſ</c> (long s, U+017F) count.
    /// </summary>
    public static int ContractionLength(ref byte s, int i, int n, bool ignoreCase)
    {
        if (i + 1 >= n) return 0;
        int c1 = Unsafe.Add(ref s, i + 1);
        if (ignoreCase)
        {
            if (c1 == 0xC5 && i + 2 < n && Unsafe.Add(ref s, i + 2) == 0xBF) return 3; // 'ſ folds to 's
            c1 |= c1 - 'A' < 26 ? 0x20 : 0;
        }
        switch (c1)
        {
            case 's' or 't' or 'm' or 'd':
                return 2;
            case 'r' or 'v' or 'l':
                if (i + 2 >= n) return 0;
                int c2 = Unsafe.Add(ref s, i + 2);
                if (ignoreCase) c2 |= c2 - 'A' < 26 ? 0x20 : 0;
                return (c1 == 'l' ? c2 == 'l' : c2 == 'e') ? 3 : 0;
            default:
                return 0;
        }
    }

    /// <summary>
    /// The whitespace alternatives shared by every pattern, at a whitespace code point:
    /// <c>\s*[\r\n]+</c> (when <paramref name="newLineRule"/>), then <c>\s+(?!\S)</c>, then <c>\s+</c>.
    /// A run before a non-space keeps its last whitespace character for the next piece.
    /// </summary>
    public static int WhitespaceEnd(ref byte s, int i, int n, bool newLineRule)
    {
        int j = i, lastStart = i, lastNewLine = -1;
        while (j < n)
        {
            byte cls = CharClass.At(ref s, j, out int len);
            if ((cls & CharClass.Space) == 0) break;
            if ((cls & CharClass.NewLine) != 0) lastNewLine = j;
            lastStart = j;
            j += len;
        }
        if (newLineRule && lastNewLine >= 0) return lastNewLine + 1;
        if (j == n || lastStart == i) return j;
        return lastStart;
    }
}
