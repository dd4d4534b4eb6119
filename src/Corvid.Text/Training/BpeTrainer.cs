using System.Runtime.InteropServices;

namespace Corvid.Text.Training;

/// <summary>
/// Learns a byte-level BPE vocabulary that <see cref="Tokenizer"/> (and tiktoken) encode with exactly the
/// merges learned. Each distinct piece of the text is one word, weighted by how often it occurs. Pair counts
/// are kept up to date incrementally: an index from each pair to the words that contain it limits every
/// merge to the words it touches, and a max-heap with lazy invalidation finds the next pair.
/// <para>
/// The next merge is the adjacent pair that occurs most often; on a tie, the pair whose left token id is
/// smallest, then whose right token id is smallest. The new token's id (its rank) is the next free one.
/// A word touched by a merge is carried forward by tiktoken's own rule (merge the lowest-ranked adjacent
/// pair, by bytes, until none is a token), so the words always equal what the encoder makes of them.
/// </para>
/// </summary>
public static class BpeTrainer
{
    /// <summary>Trains on one text. Large texts are counted on all cores.</summary>
    public static TrainedVocabulary Train(string text, BpeTrainerOptions options, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Train([text], options, progress, cancellationToken);

    /// <summary>Trains on several texts (documents, files); no piece spans two of them.</summary>
    public static TrainedVocabulary Train(IReadOnlyList<string> texts, BpeTrainerOptions options, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (options.VocabularySize < 256) throw new TokenizerException($"train: vocabulary size {options.VocabularySize} is below 256, the single bytes alone");
        var pieces = PieceCounter.Count(texts, options.Pattern, options.SpecialTokens, progress);
        return new Run(pieces, options, progress, cancellationToken).Execute();
    }

    /// <summary>One training run's state.</summary>
    private sealed class Run
    {
        private readonly BpeTrainerOptions _options;
        private readonly IProgress<TrainingProgress>? _progress;
        private readonly CancellationToken _cancellation;

        private readonly List<byte[]> _tokenBytes = [];
        private readonly Dictionary<byte[], int> _vocabulary;
        private readonly Dictionary<byte[], int>.AlternateLookup<ReadOnlySpan<byte>> _lookup;

        private readonly byte[][] _words;          // each distinct piece
        private readonly int[][] _parts;           // its current tokens (the first _partCount[w] entries)
        private readonly int[] _partCount;
        private readonly long[] _wordCount;        // how often the piece occurs
        private readonly int[] _stamp;             // last merge that visited the word

        private readonly Dictionary<long, long> _pairCounts = [];
        private readonly Dictionary<long, List<int>> _pairWords = [];
        private readonly PriorityQueue<long, (long Count, long Pair)> _heap = new(HeapOrder.Instance);
        private readonly Dictionary<long, long> _delta = [];
        private byte[] _scratch = new byte[256];
        private int[] _pairRanks = new int[64];

        private readonly List<Merge> _merges = [];

        public Run(Dictionary<byte[], long> pieces, BpeTrainerOptions options, IProgress<TrainingProgress>? progress, CancellationToken cancellation)
        {
            _options = options;
            _progress = progress;
            _cancellation = cancellation;
            _vocabulary = new Dictionary<byte[], int>(PieceCounter.NewMap().Comparer);
            _lookup = _vocabulary.GetAlternateLookup<ReadOnlySpan<byte>>();
            for (int b = 0; b < 256; b++) AddToken([(byte)b]);

            // A deterministic word order (by bytes) keeps runs identical whatever order the counters finished in.
            var ordered = pieces.OrderBy(p => p.Key, ByteOrder.Instance).ToArray();
            _words = new byte[ordered.Length][];
            _parts = new int[ordered.Length][];
            _partCount = new int[ordered.Length];
            _wordCount = new long[ordered.Length];
            _stamp = new int[ordered.Length];
            for (int w = 0; w < ordered.Length; w++)
            {
                var (bytes, count) = ordered[w];
                _words[w] = bytes;
                _wordCount[w] = count;
                _parts[w] = Array.ConvertAll(bytes, b => (int)b);
                _partCount[w] = bytes.Length;
                for (int k = 0; k + 1 < bytes.Length; k++) AddPair(Pack(bytes[k], bytes[k + 1]), count, w);
            }
            foreach (var (pair, count) in _pairCounts) _heap.Enqueue(pair, (count, pair));
        }

        public TrainedVocabulary Execute()
        {
            int target = _options.VocabularySize;
            _progress?.Report(new TrainingProgress("merging", 0, target - 256));
            while (_tokenBytes.Count < target && _heap.TryDequeue(out long pair, out var key))
            {
                long current = _pairCounts.GetValueOrDefault(pair);
                if (current != key.Count)
                {
                    if (current > 0) _heap.Enqueue(pair, (current, pair)); // stale: put back with its true count
                    continue;
                }
                if (current < _options.MinPairCount) break;
                _cancellation.ThrowIfCancellationRequested();
                var (left, right) = Unpack(pair);
                byte[] bytes = [.. _tokenBytes[left], .. _tokenBytes[right]];
                if (_vocabulary.ContainsKey(bytes))
                {
                    // Cannot happen while words follow the encoder's rule; kept so a bug cannot make a duplicate token.
                    _pairCounts.Remove(pair);
                    continue;
                }
                int id = AddToken(bytes);
                _merges.Add(new Merge(left, right, id, current));
                ApplyMerge(bytes, id);
                if ((_merges.Count & 63) == 0) _progress?.Report(new TrainingProgress("merging", _merges.Count, target - 256));
            }
            _progress?.Report(new TrainingProgress("merging", _merges.Count, _merges.Count));

            int nextId = _tokenBytes.Count;
            var specials = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var special in _options.SpecialTokens.Distinct(StringComparer.Ordinal)) specials[special] = nextId++;
            var finalParts = new int[_words.Length][];
            for (int w = 0; w < _words.Length; w++) finalParts[w] = _parts[w][.._partCount[w]];
            return new TrainedVocabulary(_options.Name, _options.Pattern, _tokenBytes, specials, _merges, _words, _wordCount, finalParts);
        }

        private int AddToken(byte[] bytes)
        {
            int id = _tokenBytes.Count;
            _tokenBytes.Add(bytes);
            _vocabulary[bytes] = id;
            return id;
        }

        /// <summary>Brings forward every word that has two adjacent tokens whose bytes join to the new token.</summary>
        private void ApplyMerge(byte[] bytes, int id)
        {
            _delta.Clear();
            for (int k = 1; k < bytes.Length; k++)
            {
                if (!_lookup.TryGetValue(bytes.AsSpan(0, k), out int a) || !_lookup.TryGetValue(bytes.AsSpan(k), out int b)) continue;
                if (!_pairWords.Remove(Pack(a, b), out var words)) continue;
                foreach (int w in words)
                {
                    if (_stamp[w] == id) continue;
                    _stamp[w] = id;
                    UpdateWord(w);
                }
            }
            foreach (var (pair, change) in _delta)
            {
                if (change == 0) continue;
                ref long count = ref CollectionsMarshal.GetValueRefOrAddDefault(_pairCounts, pair, out _);
                count += change;
                if (count <= 0) _pairCounts.Remove(pair);
                else if (change > 0) _heap.Enqueue(pair, (count, pair));
            }
        }

        /// <summary>Re-merges one word by the encoder's rule and records how its pair counts change.</summary>
        private void UpdateWord(int w)
        {
            int[] parts = _parts[w];
            int n = _partCount[w];
            long weight = _wordCount[w];
            if (_pairRanks.Length < n) _pairRanks = new int[n * 2];
            var ranks = _pairRanks.AsSpan(0, n);
            for (int k = 0; k + 1 < n; k++) ranks[k] = PairRank(parts[k], parts[k + 1]);

            bool changed = false;
            while (true)
            {
                int best = int.MaxValue, at = -1;
                for (int k = 0; k + 1 < n; k++)
                {
                    if (ranks[k] < best) { best = ranks[k]; at = k; }
                }
                if (at < 0) break;
                if (!changed)
                {
                    for (int k = 0; k + 1 < n; k++) AddDelta(Pack(parts[k], parts[k + 1]), -weight);
                    changed = true;
                }
                parts[at] = best;
                Array.Copy(parts, at + 2, parts, at + 1, n - at - 2);
                ranks.Slice(at + 2, n - at - 2).CopyTo(ranks.Slice(at + 1));
                n--;
                ranks[at] = at + 1 < n ? PairRank(parts[at], parts[at + 1]) : int.MaxValue;
                if (at > 0) ranks[at - 1] = PairRank(parts[at - 1], parts[at]);
            }
            if (!changed) return;
            _partCount[w] = n;
            for (int k = 0; k + 1 < n; k++)
            {
                long pair = Pack(parts[k], parts[k + 1]);
                AddDelta(pair, weight);
                IndexWord(pair, w);
            }
        }

        /// <summary>The rank (id) of the token whose bytes are those of <paramref name="a"/> then <paramref name="b"/>, or int.MaxValue.</summary>
        private int PairRank(int a, int b)
        {
            var x = _tokenBytes[a];
            var y = _tokenBytes[b];
            int length = x.Length + y.Length;
            if (_scratch.Length < length) _scratch = new byte[length * 2];
            x.CopyTo(_scratch, 0);
            y.CopyTo(_scratch, x.Length);
            return _lookup.TryGetValue(_scratch.AsSpan(0, length), out int id) ? id : int.MaxValue;
        }

        private void AddPair(long pair, long count, int word)
        {
            ref long slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_pairCounts, pair, out _);
            slot += count;
            IndexWord(pair, word);
        }

        private void IndexWord(long pair, int word)
        {
            ref var list = ref CollectionsMarshal.GetValueRefOrAddDefault(_pairWords, pair, out _);
            list ??= [];
            if (list.Count == 0 || list[^1] != word) list.Add(word);
        }

        private void AddDelta(long pair, long change)
        {
            ref long slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_delta, pair, out _);
            slot += change;
        }
    }

    internal static long Pack(int left, int right) => ((long)left << 32) | (uint)right;

    internal static (int Left, int Right) Unpack(long pair) => ((int)(pair >> 32), (int)pair);

    /// <summary>Most frequent first; ties go to the smaller left id, then the smaller right id.</summary>
    private sealed class HeapOrder : IComparer<(long Count, long Pair)>
    {
        public static readonly HeapOrder Instance = new();
        public int Compare((long Count, long Pair) x, (long Count, long Pair) y) =>
            x.Count != y.Count ? y.Count.CompareTo(x.Count) : x.Pair.CompareTo(y.Pair);
    }

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();
        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}

/// <summary>One learned merge: tokens <c>Left</c> and <c>Right</c> joined into <c>Id</c>, chosen when the pair occurred <c>Count</c> times.</summary>
public readonly record struct Merge(int Left, int Right, int Id, long Count);
