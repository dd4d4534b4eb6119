using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Corvid.Text;

/// <summary>
/// Byte-pair merge of one piece that is not itself a token: starting from single bytes, repeatedly
/// merge the adjacent pair whose concatenation has the lowest rank, the leftmost on ties, until no
/// adjacent pair is a token. This is tiktoken's rule. Every part is always a token, so "is the
/// concatenation a token" is asked by token ids (<see cref="PairTable"/>). Short pieces use a scan over
/// a small array (cache-friendly) and a per-thread cache of results; long ones sweep buckets of candidate
/// positions by rank, so a piece of a million bytes costs O(n), not O(n²). Two exact shortcuts come first for long
/// pieces: <see cref="PeriodicPieceMerge"/> for those that repeat a short unit, <see cref="ChunkedPieceMerge"/> for others.
/// </summary>
internal static class BytePairMerge
{
    /// <summary>Pieces longer than this go to the bucket sweep.</summary>
    public const int SmallLimit = 64;

    private const int None = int.MaxValue;

    public static void Encode<TSink>(RankTable ranks, ref byte piece, int length, ref TSink sink) where TSink : struct, ITokenSink
    {
        if (length == 1) sink.Add(ByteRank(ranks, piece));
        else if (length <= MergeCache.MaxPieceLength) EncodeCached(ranks, ref piece, length, ref sink);
        else if (length <= SmallLimit) EncodeSmall(ranks, ref piece, length, ref sink);
        else if (length >= PeriodicPieceMerge.MinLength && PeriodicPieceMerge.TryEncode(ranks, ref piece, length, ref sink)) { }
        else if (!ChunkedPieceMerge.TryEncode(ranks, ref piece, length, ref sink)) EncodeLarge(ranks, ref piece, length, ref sink);
    }

    /// <summary>The merge without the shortcut for repeating pieces (the differential tests compare the two).</summary>
    public static void EncodeWithoutShortcut<TSink>(RankTable ranks, ref byte piece, int length, ref TSink sink) where TSink : struct, ITokenSink
    {
        if (length == 1) sink.Add(ByteRank(ranks, piece));
        else if (length <= SmallLimit) EncodeSmall(ranks, ref piece, length, ref sink);
        else EncodeLarge(ranks, ref piece, length, ref sink);
    }

    /// <summary>Short pieces: the merge result comes from this thread's cache when it was made recently.</summary>
    [SkipLocalsInit]
    private static void EncodeCached<TSink>(RankTable ranks, ref byte piece, int length, ref TSink sink) where TSink : struct, ITokenSink
    {
        var cache = ranks.MergeCache;
        var (head, tail) = MergeCache.Key(ref piece, length);
        var cached = cache.Find(head, tail, length);
        if (!cached.IsEmpty)
        {
            foreach (int token in cached) sink.Add(token);
            return;
        }
        Span<int> tokens = stackalloc int[SmallLimit];
        int count = Merge(ranks, ref piece, length, tokens);
        cache.Store(head, tail, length, tokens[..count]);
        for (int k = 0; k < count; k++) sink.Add(tokens[k]);
    }

    [SkipLocalsInit]
    private static void EncodeSmall<TSink>(RankTable ranks, ref byte piece, int n, ref TSink sink) where TSink : struct, ITokenSink
    {
        Span<int> tokens = stackalloc int[SmallLimit];
        int count = Merge(ranks, ref piece, n, tokens);
        for (int k = 0; k < count; k++) sink.Add(tokens[k]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ByteRank(RankTable ranks, byte b)
    {
        int rank = ranks.ByteRank(b);
        return rank >= 0 ? rank : throw NoTokenFor(b);
    }

    private static TokenizerException NoTokenFor(byte b) =>
        new($"encode: byte 0x{b:X2} has no token in this vocabulary, so text containing it cannot be encoded");

    /// <summary>The merge of a piece of 2..<see cref="SmallLimit"/> bytes into <paramref name="token"/>; returns the token count.</summary>
    /// <remarks>
    /// Parts are named by their first byte's position k: token[k] is the part, next[k] and prev[k] link the parts, rank[k] is
    /// the rank of joining part k with the next (None once k is no longer a part's start). Each step finds the lowest rank,
    /// leftmost, with SIMD over the whole rank array (at most 64), so nothing is moved.
    /// </remarks>
    [SkipLocalsInit]
    internal static int Merge(RankTable ranks, ref byte piece, int n, Span<int> token)
    {
        var pairs = ranks.Pairs;
        var shortTokens = ranks.ShortTokens;
        Span<int> rank = stackalloc int[SmallLimit];
        Span<int> next = stackalloc int[SmallLimit + 1];
        Span<int> prev = stackalloc int[SmallLimit];
        for (int k = 0; k < n; k++)
        {
            token[k] = ByteRank(ranks, Unsafe.Add(ref piece, k));
            next[k] = k + 1;
            prev[k] = k - 1;
        }
        next[n] = n;
        for (int k = 0; k < n - 1; k++) rank[k] = pairs.TwoBytes(Unsafe.Add(ref piece, k), Unsafe.Add(ref piece, k + 1));
        int width = (n - 1 + 7) & ~7;
        rank[(n - 1)..width].Fill(None);

        while (true)
        {
            int at = LowestLeftmost(rank[..width], out int best);
            if (at < 0) break;
            int right = next[at];
            int after = next[right];
            token[at] = best;
            next[at] = after;
            if (after < n) prev[after] = at;
            rank[right] = None;
            rank[at] = after < n ? PairRank(pairs, shortTokens, ref piece, n, next, token, at) : None;
            int left = prev[at];
            if (left >= 0) rank[left] = PairRank(pairs, shortTokens, ref piece, n, next, token, left);
        }
        int count = 0;
        for (int k = 0; k < n; k = next[k]) token[count++] = token[k];
        return count;
    }

    /// <summary>Index of the first smallest value (whose count is a multiple of 8), or -1 when all are None.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int LowestLeftmost(Span<int> values, out int lowest)
    {
        ref int first = ref MemoryMarshal.GetReference(values);
        var min = Vector256.LoadUnsafe(ref first);
        for (int i = 8; i < values.Length; i += 8) min = Vector256.Min(min, Vector256.LoadUnsafe(ref first, (nuint)i));
        min = Vector256.Min(min, Vector256.Shuffle(min, Vector256.Create(4, 5, 6, 7, 0, 1, 2, 3)));
        min = Vector256.Min(min, Vector256.Shuffle(min, Vector256.Create(2, 3, 0, 1, 6, 7, 4, 5)));
        min = Vector256.Min(min, Vector256.Shuffle(min, Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6)));
        lowest = min.ToScalar();
        if (lowest == None) return -1;
        for (int i = 0; ; i += 8)
        {
            uint hits = Vector256.Equals(Vector256.LoadUnsafe(ref first, (nuint)i), min).ExtractMostSignificantBits();
            if (hits != 0) return i + BitOperations.TrailingZeroCount(hits);
        }
    }

    /// <summary>
    /// Rank of joining the part at k with the next one: short joins are looked up by their bytes in the small table that
    /// stays in cache, longer ones by the two token ids (the same answer: the rank of the joined bytes, when a token).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int PairRank(PairTable pairs, ShortTokenTable shortTokens, ref byte piece, int n, Span<int> next, Span<int> token, int k)
    {
        int right = next[k];
        int length = next[right] - k;
        return length <= ShortTokenTable.MaxLength
            ? shortTokens.Rank(ref Unsafe.Add(ref piece, k), length)
            : pairs.Merge(token[k], token[right]);
    }

    /// <summary>
    /// Long pieces. Parts form a linked list over their first byte's offset; pairRank[k] is the rank of merging
    /// the part at k with the next one. Candidate positions wait in one bucket per rank, and the lowest rank's
    /// bucket is swept left to right. A merge in the sweep of rank r never makes another pair of rank r (the
    /// joined bytes are longer than that token), but it can make one of a lower rank; such pairs, and any of
    /// rank ≤ r they lead to, go to a small heap that is merged with the sweep by (rank, position). That is
    /// tiktoken's order exactly (lowest rank, then leftmost), at O(1) amortised per merge for most merges.
    /// </summary>
    private static void EncodeLarge<TSink>(RankTable ranks, ref byte piece, int n, ref TSink sink) where TSink : struct, ITokenSink
    {
        var pairs = ranks.Pairs;
        int[] next = ArrayPool<int>.Shared.Rent(n);
        int[] prev = ArrayPool<int>.Shared.Rent(n);
        int[] token = ArrayPool<int>.Shared.Rent(n);
        int[] pairRank = ArrayPool<int>.Shared.Rent(n);
        var buckets = new RankBuckets();
        var urgent = new MinHeap(16);
        try
        {
            for (int k = 0; k < n; k++)
            {
                next[k] = k + 1;
                prev[k] = k - 1;
                token[k] = ByteRank(ranks, Unsafe.Add(ref piece, k));
            }
            for (int k = 0; k < n; k++)
            {
                pairRank[k] = k + 1 < n ? pairs.TwoBytes(Unsafe.Add(ref piece, k), Unsafe.Add(ref piece, k + 1)) : None;
                if (pairRank[k] != None) buckets.Add(pairRank[k], k);
            }

            while (buckets.TryTakeLowest(out int sweeping, out var positions))
            {
                int i = 0;
                while (true)
                {
                    while (i < positions.Count && pairRank[positions[i]] != sweeping) i++; // stale: merged away or changed
                    int at, rank;
                    if (urgent.TryPeek(out rank, out at) && (i == positions.Count || rank < sweeping || at < positions[i]))
                    {
                        urgent.TryPop(out _, out _);
                        if (pairRank[at] != rank) continue;
                    }
                    else if (i < positions.Count)
                    {
                        at = positions[i++];
                        rank = sweeping;
                    }
                    else
                    {
                        break;
                    }

                    // Merge the part at `at` with the next one, then file the two pairs that changed.
                    int right = next[at];
                    token[at] = rank;
                    int after = next[right];
                    next[at] = after;
                    if (after < n) prev[after] = at;
                    pairRank[right] = None;
                    int rightRank = after < n ? pairs.Merge(rank, token[after]) : None;
                    pairRank[at] = rightRank;
                    if (rightRank != None)
                    {
                        if (rightRank <= sweeping) urgent.Push(rightRank, at);
                        else buckets.Add(rightRank, at);
                    }
                    int left = prev[at];
                    if (left >= 0)
                    {
                        int leftRank = pairs.Merge(token[left], rank);
                        pairRank[left] = leftRank;
                        if (leftRank != None)
                        {
                            if (leftRank <= sweeping) urgent.Push(leftRank, left);
                            else buckets.Add(leftRank, left);
                        }
                    }
                }
                buckets.Recycle(positions);
            }
            for (int k = 0; k < n; k = next[k]) sink.Add(token[k]);
        }
        finally
        {
            urgent.Dispose();
            ArrayPool<int>.Shared.Return(next);
            ArrayPool<int>.Shared.Return(prev);
            ArrayPool<int>.Shared.Return(token);
            ArrayPool<int>.Shared.Return(pairRank);
        }
    }

    /// <summary>Positions waiting to merge, one list per rank, and the ranks in order (a heap over distinct ranks only).</summary>
    private sealed class RankBuckets
    {
        private readonly Dictionary<int, List<int>> _byRank = [];
        private readonly PriorityQueue<int, int> _ranks = new();
        private readonly Stack<List<int>> _spare = new();
        private int _lastRank = -1;
        private List<int>? _last;

        public void Add(int rank, int position)
        {
            if (rank != _lastRank || _last is null)
            {
                if (!_byRank.TryGetValue(rank, out _last))
                {
                    _last = _spare.Count > 0 ? _spare.Pop() : [];
                    _byRank[rank] = _last;
                    _ranks.Enqueue(rank, rank);
                }
                _lastRank = rank;
            }
            _last.Add(position);
        }

        /// <summary>The lowest rank that has positions, and its positions in increasing order.</summary>
        public bool TryTakeLowest(out int rank, out List<int> positions)
        {
            while (_ranks.TryDequeue(out rank, out _))
            {
                if (!_byRank.Remove(rank, out positions!)) continue;
                if (rank == _lastRank) _last = null;
                if (!IsSorted(positions)) positions.Sort();
                return true;
            }
            positions = null!;
            return false;
        }

        public void Recycle(List<int> positions)
        {
            positions.Clear();
            _spare.Push(positions);
        }

        private static bool IsSorted(List<int> positions)
        {
            for (int i = 1; i < positions.Count; i++)
            {
                if (positions[i] < positions[i - 1]) return false;
            }
            return true;
        }
    }

    /// <summary>A binary min-heap of (rank, position) packed in a long: lowest rank first, then leftmost.</summary>
    private struct MinHeap(int capacity) : IDisposable
    {
        private long[] _items = ArrayPool<long>.Shared.Rent(Math.Max(16, capacity));
        private int _count;

        public void Push(int rank, int position)
        {
            if (_count == _items.Length)
            {
                var bigger = ArrayPool<long>.Shared.Rent(_items.Length * 2);
                _items.AsSpan(0, _count).CopyTo(bigger);
                ArrayPool<long>.Shared.Return(_items);
                _items = bigger;
            }
            long item = ((long)rank << 32) | (uint)position;
            int i = _count++;
            while (i > 0)
            {
                int parent = (i - 1) >> 1;
                if (_items[parent] <= item) break;
                _items[i] = _items[parent];
                i = parent;
            }
            _items[i] = item;
        }

        public readonly bool TryPeek(out int rank, out int position)
        {
            long top = _count > 0 ? _items[0] : -1;
            rank = (int)(top >> 32);
            position = (int)top;
            return _count > 0;
        }

        public bool TryPop(out int rank, out int position)
        {
            if (!TryPeek(out rank, out position)) return false;
            long last = _items[--_count];
            int i = 0;
            while (true)
            {
                int child = 2 * i + 1;
                if (child >= _count) break;
                if (child + 1 < _count && _items[child + 1] < _items[child]) child++;
                if (_items[child] >= last) break;
                _items[i] = _items[child];
                i = child;
            }
            _items[i] = last;
            return true;
        }

        public readonly void Dispose() => ArrayPool<long>.Shared.Return(_items);
    }
}
