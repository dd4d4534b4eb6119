using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Corvid.Text;

/// <summary>
/// Byte-pair merge of a long piece that repeats a short unit (a million "^", 100,000 spaces, "ab" × 100,000, "日" × 100,000),
/// in time independent of its length except for writing out the tokens. Exact, by three facts about tiktoken's merge
/// (lowest rank first, leftmost on ties) that hold for any rank table (see <see cref="TokenPairs"/>):
/// <list type="number">
/// <item>Any run of consecutive tokens of a piece's merge result is the merge result of its own bytes.</item>
/// <item>Two merge results whose bytes are adjacent join into the merge result of their joined bytes exactly when their
/// two boundary tokens do ("are compatible": merging the pair's bytes gives back the pair).</item>
/// <item>Hence the last token of the merge of every prefix, <c>last[i]</c>, is the one suffix token t of that prefix that is
/// compatible with <c>last[i - |t|]</c> (or is the whole prefix and merges to itself): the encoding is read back from the
/// end, last[n], last[n - |last[n]|], … (the "appendable encoder" of GitHub's rust-gems bpe crate).</item>
/// </list>
/// In a piece of period q, the suffix tokens of a prefix depend only on its length mod q, so past the longest token length L,
/// last[i] is a function of i mod q and the L values before it: once the window of L values at i equals the window at an
/// earlier j ≡ i (mod q), last[] repeats with period i - j from there on, provably. The table is filled until that happens
/// (a few thousand steps), and the tokens are read off it for any length. A short tail that breaks the repetition (the
/// newline after 100,000 spaces) continues the same table one prefix at a time.
/// </summary>
internal static class PeriodicPieceMerge
{
    /// <summary>Shortest piece worth the setup (candidate lists and a few pair checks).</summary>
    public const int MinLength = 2048;

    /// <summary>Longest repeating unit looked for, in bytes.</summary>
    public const int MaxPeriod = 16;

    /// <summary>Most bytes after the repeating part that are still handled here (one prefix at a time).</summary>
    public const int MaxTail = 64;

    /// <summary>
    /// Encodes the piece when all but its last <see cref="MaxTail"/> bytes at most repeat a unit of at most
    /// <see cref="MaxPeriod"/> bytes (100,000 spaces then a newline); false (nothing written) otherwise.
    /// </summary>
    public static bool TryEncode<TSink>(RankTable ranks, ref byte piece, int n, ref TSink sink) where TSink : struct, ITokenSink
    {
        var text = MemoryMarshal.CreateReadOnlySpan(ref piece, n);
        var (q, body) = PeriodicPrefix(text);
        int maxLength = ranks.MaxTokenLength;
        if (q == 0 || body < 2 * maxLength + 2 * q) return false;

        var pairs = TokenPairs.ForThisThread(ranks);
        var candidates = SuffixTokens(ranks, text, q, maxLength);
        int[] last = ArrayPool<int>.Shared.Rent(n + 1);
        int[] lastLength = ArrayPool<int>.Shared.Rent(n + 1);
        try
        {
            // Fill last[] over the repeating part until it provably repeats (or to the part's end).
            int checkpointStep = q * ((maxLength + q - 1) / q);
            var windows = new Dictionary<ulong, int>();
            int filled = 0, repeatFrom = -1, period = 1;
            for (int i = 1; i <= body; i++)
            {
                if (!Step(pairs, candidates[i % q], last, lastLength, i)) return false;
                filled = i;
                if (i >= 2 * maxLength && i % checkpointStep == 0)
                {
                    var window = last.AsSpan(i - maxLength + 1, maxLength);
                    ulong hash = Hash(window);
                    if (windows.TryGetValue(hash, out int j) && window.SequenceEqual(last.AsSpan(j - maxLength + 1, maxLength)))
                    {
                        repeatFrom = j;
                        period = i - j;
                        break;
                    }
                    windows[hash] = i;
                }
            }

            // Where last[x] is kept: past `filled` in the repeating part, at the position in (repeatFrom, filled] ≡ x (mod period).
            int At(int x) => x <= filled || x > body ? x : repeatFrom + 1 + (x - repeatFrom - 1) % period;

            for (int i = body + 1; i <= n; i++)
            {
                if (!StepTail(ranks, pairs, ref piece, last, lastLength, i, At)) return false;
            }

            // Read the tokens back from the end.
            int[] reversed = ArrayPool<int>.Shared.Rent(n);
            try
            {
                int count = 0;
                int x = n, at = At(n);
                while (x > 0)
                {
                    int length = lastLength[at];
                    reversed[count++] = last[at];
                    int before = x;
                    x -= length;
                    if (x <= filled || x > body) at = x;
                    else if (before > body) at = At(x);
                    else
                    {
                        at -= length;
                        while (at <= repeatFrom) at += period;
                    }
                }
                for (int k = count - 1; k >= 0; k--) sink.Add(reversed[k]);
            }
            finally
            {
                ArrayPool<int>.Shared.Return(reversed);
            }
            return true;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(last);
            ArrayPool<int>.Shared.Return(lastLength);
        }
    }

    /// <summary>last[i] for a prefix ending in the tail: its suffix tokens are looked up one by one.</summary>
    private static bool StepTail(RankTable ranks, TokenPairs pairs, ref byte piece, int[] last, int[] lastLength, int i, Func<int, int> at)
    {
        for (int pass = 0; pass < 2; pass++)
        {
            for (int length = Math.Min(i, ranks.MaxTokenLength); length >= 1; length--)
            {
                int token = ranks.Rank(ref Unsafe.Add(ref piece, i - length), length);
                if (token < 0) continue;
                bool fits;
                if (length == i) fits = pairs.MergesToItself(token);
                else if (pass == 0) fits = pairs.KnownCompatible(last[at(i - length)], token);
                else fits = pairs.Compatible(last[at(i - length)], token);
                if (fits)
                {
                    last[i] = token;
                    lastLength[i] = length;
                    return true;
                }
            }
        }
        return false;
    }

    /// <summary>
    /// last[i] for the prefix of length i: the suffix token that fits. Exactly one does, so they may be tried in any order:
    /// first by what is already known or cheap to rule out, then by merging the pair's bytes.
    /// </summary>
    private static bool Step(TokenPairs pairs, (int Length, int Token)[] candidates, int[] last, int[] lastLength, int i)
    {
        for (int pass = 0; pass < 2; pass++)
        {
            foreach (var (length, token) in candidates)
            {
                if (length > i) continue;
                bool fits;
                if (length == i) fits = pairs.MergesToItself(token);
                else if (pass == 0) fits = pairs.KnownCompatible(last[i - length], token);
                else fits = pairs.Compatible(last[i - length], token);
                if (fits)
                {
                    last[i] = token;
                    lastLength[i] = length;
                    return true;
                }
            }
        }
        return false; // impossible by fact 3; the caller falls back to the general merge
    }

    /// <summary>
    /// The smallest unit q ≤ <see cref="MaxPeriod"/> that the text repeats up to at most <see cref="MaxTail"/> bytes from
    /// its end, and the length of that repeating part (text[k] == text[k - q] for all k in it); (0, 0) when there is none.
    /// </summary>
    private static (int Period, int Length) PeriodicPrefix(ReadOnlySpan<byte> text)
    {
        for (int q = 1; q <= MaxPeriod && q < text.Length; q++)
        {
            int length = q + text[q..].CommonPrefixLength(text[..^q]);
            if (length >= text.Length - MaxTail) return (q, length);
        }
        return (0, 0);
    }

    /// <summary>
    /// For each residue r of a prefix length mod q, the tokens that are suffixes of such a prefix (when it is at least as
    /// long as the token), longest first.
    /// </summary>
    private static (int Length, int Token)[][] SuffixTokens(RankTable ranks, ReadOnlySpan<byte> text, int q, int maxLength)
    {
        var result = new (int, int)[q][];
        var list = new List<(int, int)>();
        for (int r = 0; r < q; r++)
        {
            // A prefix end ≡ r (mod q) with at least maxLength bytes before it; the bytes before any such end are the same.
            int end = maxLength + ((r - maxLength % q) % q + q) % q;
            list.Clear();
            for (int length = maxLength; length >= 1; length--)
            {
                int token = ranks.Rank(text.Slice(end - length, length));
                if (token >= 0) list.Add((length, token));
            }
            result[r] = [.. list];
        }
        return result;
    }

    private static ulong Hash(ReadOnlySpan<int> window)
    {
        ulong h = 0xCBF29CE484222325UL;
        foreach (int v in window) h = (h ^ (uint)v) * 0x100000001B3UL;
        return h;
    }
}
