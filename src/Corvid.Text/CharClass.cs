using System.Globalization;
using System.Runtime.CompilerServices;

namespace Corvid.Text;

/// <summary>
/// The Unicode classes the split patterns test, as bit flags per code point: <c>\p{L}</c>, <c>\p{N}</c>,
/// <c>\s</c> (White_Space), <c>[\r\n]</c>, and o200k's two letter-case classes. Read straight from UTF-8,
/// code point by code point, so letters outside the Basic Multilingual Plane are letters (unlike .NET's
/// Regex, which sees their two UTF-16 surrogates).
/// </summary>
internal static class CharClass
{
    public const byte Letter = 1;       // \p{L}
    public const byte Number = 2;       // \p{N}
    public const byte Space = 4;        // \s
    public const byte NewLine = 8;      // \r or \n
    public const byte UpperLike = 16;   // [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]  (o200k)
    public const byte LowerLike = 32;   // [\p{Ll}\p{Lm}\p{Lo}\p{M}]        (o200k)

    /// <summary>Neither letter, number nor whitespace: what <c>[^\s\p{L}\p{N}]</c> matches.</summary>
    public const byte NotPunctuation = Letter | Number | Space;

    private static readonly byte[] Bmp = BuildBmp();

    private static byte[] BuildBmp()
    {
        var table = new byte[0x10000];
        for (int c = 0; c < table.Length; c++)
        {
            if (c is >= 0xD800 and <= 0xDFFF) continue; // surrogates never appear as code points
            table[c] = Of(c);
        }
        return table;
    }

    /// <summary>The class bits of one code point (any plane).</summary>
    public static byte Of(int codePoint)
    {
        if (codePoint < 0x10000 && Bmp is not null) return Bmp[codePoint];
        byte bits = CharUnicodeInfo.GetUnicodeCategory(codePoint) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.TitlecaseLetter => Letter | UpperLike,
            UnicodeCategory.LowercaseLetter => Letter | LowerLike,
            UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => Letter | UpperLike | LowerLike,
            UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark => UpperLike | LowerLike,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => Number,
            _ => 0,
        };
        if (codePoint < 0x10000 && char.IsWhiteSpace((char)codePoint)) bits |= Space;
        if (codePoint is '\r' or '\n') bits |= NewLine;
        return bits;
    }

    /// <summary>
    /// Class bits of the code point starting at byte <paramref name="i"/> of valid UTF-8, and its length in bytes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte At(ref byte s, int i, out int length)
    {
        uint b = Unsafe.Add(ref s, i);
        if (b < 0x80)
        {
            length = 1;
            return Bmp[b];
        }
        return NonAscii(ref s, i, b, out length);
    }

    private static byte NonAscii(ref byte s, int i, uint b0, out int length)
    {
        uint b1 = Unsafe.Add(ref s, i + 1) & 0x3Fu;
        if (b0 < 0xE0)
        {
            length = 2;
            return Bmp[((b0 & 0x1F) << 6) | b1];
        }
        uint b2 = Unsafe.Add(ref s, i + 2) & 0x3Fu;
        if (b0 < 0xF0)
        {
            length = 3;
            return Bmp[((b0 & 0x0F) << 12) | (b1 << 6) | b2];
        }
        uint b3 = Unsafe.Add(ref s, i + 3) & 0x3Fu;
        length = 4;
        return Of((int)(((b0 & 0x07) << 18) | (b1 << 12) | (b2 << 6) | b3));
    }
}
