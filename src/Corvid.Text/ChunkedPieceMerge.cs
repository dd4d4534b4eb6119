using System.Buffers;
using System.Runtime.CompilerServices;

namespace Corvid.Text;

/// <summary>
/// Byte-pair merge of a long piece that does not repeat (100,000 random letters, a long identifier) chunk by chunk, exactly.
/// Each chunk is merged on its own with the fast scan for short pieces, and kept when its first token is compatible with the
/// last token kept so far: then, by the facts in <see cref="TokenPairs"/>, the tokens kept are the merge result of all the
/// bytes so far. When it is not, the last kept token is given back and the chunk is merged again from where that token
/// started, and so on. Giving back only happens near a chunk edge on ordinary input; when it would make the region longer
/// than the scan handles, the piece goes to the full merge instead (nothing is written before the end).
/// </summary>
internal static class ChunkedPieceMerge
{
    /// <summary>Bytes merged at a time; a region with given-back tokens may grow to <see cref="BytePairMerge.SmallLimit"/>.</summary>
    private const int Chunk = 32;

    /// <summary>Encodes the piece; false (nothing written) when a region grew too long, so the caller runs the full merge.</summary>
    [SkipLocalsInit]
    public static bool TryEncode<TSink>(RankTable ranks, ref byte piece, int n, ref TSink sink) where TSink : struct, ITokenSink
    {
        var pairs = TokenPairs.ForThisThread(ranks);
        int[] tokens = ArrayPool<int>.Shared.Rent(n);
        int[] ends = ArrayPool<int>.Shared.Rent(n); // ends[k]: where token k's bytes end
        Span<int> merged = stackalloc int[BytePairMerge.SmallLimit];
        try
        {
            int count = 0, done = 0;
            while (done < n)
            {
                int end = n - done < Chunk + Chunk / 2 ? n : done + Chunk;
                int start = done;
                while (true)
                {
                    if (end - start > BytePairMerge.SmallLimit) return false;
                    int m = BytePairMerge.Merge(ranks, ref Unsafe.Add(ref piece, start), end - start, merged);
                    if (count == 0 || pairs.Compatible(tokens[count - 1], merged[0]))
                    {
                        int at = start;
                        for (int k = 0; k < m; k++)
                        {
                            tokens[count] = merged[k];
                            at += ranks.TokenLength(merged[k]);
                            ends[count++] = at;
                        }
                        done = end;
                        break;
                    }
                    count--; // give the last token back: the tokens before it are still a merge result (fact 1)
                    start = count > 0 ? ends[count - 1] : 0;
                }
            }
            for (int k = 0; k < count; k++) sink.Add(tokens[k]);
            return true;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(tokens);
            ArrayPool<int>.Shared.Return(ends);
        }
    }
}
