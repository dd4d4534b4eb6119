namespace Corvid.Text;

/// <summary>
/// "Is this sequence of tokens what the merge would make of its bytes?" asked of a pair of tokens, with the answers kept.
/// Two facts about tiktoken's merge (repeatedly join the adjacent pair of lowest rank, leftmost on ties) make pairs enough;
/// both hold for any rank table. Call the bytes that end up as one token of a merge result its "block".
/// <list type="number">
/// <item>Consecutive tokens of a merge result are the merge result of their own bytes. Merges inside those bytes only
/// ever change blocks there, and the whole run picks each time the lowest (rank, position) of all pairs, so the merges there
/// happen in the order the bytes alone would make them; no pair across a block edge is ever chosen, so none is chosen alone
/// either.</item>
/// <item>If A (bytes XY) and B (bytes YZ) are merge results that share the token of Y (last of A, first of B), then A
/// followed by the rest of B is the merge result of XYZ. Until the first merge across a block edge, the merges of XYZ inside
/// XY are those of XY alone in the same order, and likewise inside YZ. A first merge across an edge in XY would be the lowest
/// pair among XY's at that moment, so XY alone would make it too; the same in YZ; both contradict A and B.</item>
/// </list>
/// So two merge results side by side are the merge result of their joined bytes exactly when the boundary pair is
/// compatible. By the same interleaving, the merge of a pair's joined bytes is each token's own merge history, interleaved
/// by (rank, position), until the pair across the boundary is the lowest: <see cref="Compatible"/> replays the two
/// histories instead of merging the bytes again.
/// </summary>
internal sealed class TokenPairs
{
    private const int None = int.MaxValue;

    private readonly RankTable _ranks;
    private readonly PairTable _pairs;
    private readonly Dictionary<long, bool> _compatible = [];
    private readonly Dictionary<int, History> _histories = [];

    /// <summary>
    /// A token's merge from single bytes: each merge's rank and byte position, and after it the first part, the last part
    /// and where the last part starts; <see cref="Whole"/> when it ends as the token itself.
    /// </summary>
    private sealed record History(int Length, int[] Rank, int[] Position, int[] First, int[] Last, int[] LastStart,
        int FirstByte, int LastByte, bool Whole);

    /// <summary>Whether merging the bytes of <paramref name="token"/> from single bytes gives that token (not every token is reachable).</summary>
    public bool MergesToItself(int token) => HistoryOf(token).Whole;

    /// <summary>True when the pair is known to be compatible; false when it is not, or not yet known.</summary>
    public bool KnownCompatible(int left, int right) => _compatible.TryGetValue(Key(left, right), out bool known) && known;

    /// <summary>Whether merging the bytes of <paramref name="left"/> then <paramref name="right"/> gives back those two tokens.</summary>
    public bool Compatible(int left, int right)
    {
        long key = Key(left, right);
        if (!_compatible.TryGetValue(key, out bool result))
        {
            result = Replay(HistoryOf(left), HistoryOf(right));
            _compatible[key] = result;
        }
        return result;
    }

    /// <summary>Answers kept across pieces, one set per thread (the last vocabulary it used), bounded in size.</summary>
    [ThreadStatic] private static TokenPairs? t_current;

    private TokenPairs(RankTable ranks)
    {
        _ranks = ranks;
        _pairs = ranks.Pairs;
    }

    public static TokenPairs ForThisThread(RankTable ranks)
    {
        var current = t_current;
        if (current is null || !ReferenceEquals(current._ranks, ranks)
            || current._compatible.Count > MaxPairsKept || current._histories.Count > MaxHistoriesKept)
            t_current = current = new TokenPairs(ranks);
        return current;
    }

    // A long piece needs a few thousand answers; the bounds keep a thread's memory to a few MB on endless random text.
    private const int MaxPairsKept = 1 << 16;
    private const int MaxHistoriesKept = 1 << 14;

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;

    private bool Replay(History a, History b)
    {
        if (!a.Whole || !b.Whole) return false;
        int ia = 0, ib = 0;
        int lastA = a.LastByte, lastAStart = a.Length - 1, firstB = b.FirstByte;
        while (true)
        {
            int crossRank = _pairs.Merge(lastA, firstB);
            int rankA = ia < a.Rank.Length ? a.Rank[ia] : None;
            int rankB = ib < b.Rank.Length ? b.Rank[ib] : None;
            // Ties in rank go to the leftmost: a's merges lie left of the boundary pair, b's right of it.
            if (crossRank != None && crossRank <= rankB && (crossRank < rankA || (crossRank == rankA && lastAStart < a.Position[ia])))
                return false;
            if (rankA == None && rankB == None) return true;
            if (rankA <= rankB)
            {
                lastA = a.Last[ia];
                lastAStart = a.LastStart[ia];
                ia++;
            }
            else
            {
                firstB = b.First[ib];
                ib++;
            }
        }
    }

    private History HistoryOf(int token)
    {
        if (_histories.TryGetValue(token, out var known)) return known;
        var bytes = _ranks.Bytes(token);
        int n = bytes.Length;
        var part = new int[n];
        var start = new int[n];
        var pairRank = new int[n];
        for (int k = 0; k < n; k++)
        {
            part[k] = _ranks.ByteRank(bytes[k]);
            start[k] = k;
        }
        var rank = new List<int>();
        var position = new List<int>();
        var first = new List<int>();
        var last = new List<int>();
        var lastStart = new List<int>();
        bool bytesKnown = Array.TrueForAll(part, p => p >= 0);
        for (int k = 0; k + 1 < n; k++) pairRank[k] = bytesKnown ? _pairs.Merge(part[k], part[k + 1]) : None;
        int parts = n;
        while (bytesKnown)
        {
            int best = None, at = -1;
            for (int k = 0; k + 1 < parts; k++)
            {
                if (pairRank[k] < best) { best = pairRank[k]; at = k; }
            }
            if (at < 0) break;
            rank.Add(best);
            position.Add(start[at]);
            part[at] = best;
            parts--;
            Array.Copy(part, at + 2, part, at + 1, parts - at - 1);
            Array.Copy(start, at + 2, start, at + 1, parts - at - 1);
            Array.Copy(pairRank, at + 2, pairRank, at + 1, parts - at - 1);
            if (at + 1 < parts) pairRank[at] = _pairs.Merge(best, part[at + 1]);
            if (at > 0) pairRank[at - 1] = _pairs.Merge(part[at - 1], best);
            first.Add(part[0]);
            last.Add(part[parts - 1]);
            lastStart.Add(start[parts - 1]);
        }
        var history = new History(n, [.. rank], [.. position], [.. first], [.. last], [.. lastStart],
            _ranks.ByteRank(bytes[0]), _ranks.ByteRank(bytes[n - 1]), bytesKnown && parts == 1 && part[0] == token);
        _histories[token] = history;
        return history;
    }
}
