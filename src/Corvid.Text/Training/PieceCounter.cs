using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using Corvid.Text.PreTokenization;

namespace Corvid.Text.Training;

/// <summary>
/// Counts each distinct piece of the training text once (BPE never merges across pieces, so a piece that
/// occurs a million times is one word with weight a million). Cuts the text into chunks at line starts that
/// begin with a letter (no split pattern puts a piece across such a line break) and counts them on all cores.
/// </summary>
internal static class PieceCounter
{
    private sealed class BytesComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly BytesComparer Instance = new();
        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);
        public int GetHashCode(byte[] bytes) => GetHashCode((ReadOnlySpan<byte>)bytes);
        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);
        public int GetHashCode(ReadOnlySpan<byte> alternate)
        {
            var hash = new HashCode();
            hash.AddBytes(alternate);
            return hash.ToHashCode();
        }
        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
    }

    public static Dictionary<byte[], long> NewMap() => new(BytesComparer.Instance);

    public static Dictionary<byte[], long> Count(IReadOnlyList<string> texts, SplitPattern pattern, IReadOnlyList<string> specialTokens, IProgress<TrainingProgress>? progress)
    {
        // Special tokens are cut out: the text between them is what is learned from.
        var chunks = new List<string>();
        foreach (var text in texts)
        {
            var segments = specialTokens.Count == 0 ? [text] : text.Split([.. specialTokens], StringSplitOptions.None);
            foreach (var segment in segments) chunks.AddRange(Chunks(segment, 1 << 20));
        }
        long total = chunks.Sum(c => (long)c.Length), done = 0;

        var partials = new Dictionary<byte[], long>[Math.Max(1, Environment.ProcessorCount)];
        Parallel.For(0, partials.Length, worker =>
        {
            var map = NewMap();
            for (int c = worker; c < chunks.Count; c += partials.Length)
            {
                CountChunk(chunks[c], pattern, map);
                progress?.Report(new TrainingProgress("counting", Interlocked.Add(ref done, chunks[c].Length), total));
            }
            partials[worker] = map;
        });
        var merged = partials[0];
        for (int k = 1; k < partials.Length; k++)
        {
            foreach (var (piece, count) in partials[k])
            {
                ref long slot = ref CollectionsMarshal.GetValueRefOrAddDefault(merged, piece, out _);
                slot += count;
            }
        }
        return merged;
    }

    /// <summary>Cuts at '\n' followed by an ASCII letter, near every <paramref name="size"/> characters.</summary>
    private static IEnumerable<string> Chunks(string text, int size)
    {
        int start = 0;
        while (start < text.Length)
        {
            int end = Math.Min(text.Length, start + size);
            while (end < text.Length && !(text[end - 1] == '\n' && char.IsAsciiLetter(text[end]))) end++;
            yield return text[start..end];
            start = end;
        }
    }

    private static void CountChunk(string chunk, SplitPattern pattern, Dictionary<byte[], long> map)
    {
        var lookup = map.GetAlternateLookup<ReadOnlySpan<byte>>();
        if (pattern.Implementation == SplitPattern.Kind.Custom)
        {
            foreach (var match in pattern.Compiled!.EnumerateMatches(chunk))
            {
                if (match.Length == 0) continue;
                var piece = Encoding.UTF8.GetBytes(chunk.Substring(match.Index, match.Length));
                ref long slot = ref CollectionsMarshal.GetValueRefOrAddDefault(map, piece, out _);
                slot++;
            }
            return;
        }
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(chunk.Length) + RankTable.Padding);
        try
        {
            int n = Encoding.UTF8.GetBytes(chunk, buffer);
            switch (pattern.Implementation)
            {
                case SplitPattern.Kind.Cl100k: CountPieces<Cl100kSplitter>(buffer, n, lookup); break;
                case SplitPattern.Kind.O200k: CountPieces<O200kSplitter>(buffer, n, lookup); break;
                default: CountPieces<R50kSplitter>(buffer, n, lookup); break;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void CountPieces<TSplitter>(byte[] buffer, int n, Dictionary<byte[], long>.AlternateLookup<ReadOnlySpan<byte>> lookup)
        where TSplitter : struct, ISplitter
    {
        ref byte text = ref MemoryMarshal.GetArrayDataReference(buffer);
        int i = 0;
        while (i < n)
        {
            int end = TSplitter.PieceEnd(ref text, i, n);
            var piece = buffer.AsSpan(i, end - i);
            if (lookup.TryGetValue(piece, out long count)) lookup[piece] = count + 1;
            else lookup[piece] = 1;
            i = end;
        }
    }
}
