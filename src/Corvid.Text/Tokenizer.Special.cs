using System.Runtime.InteropServices;
using System.Text;

namespace Corvid.Text;

public sealed partial class Tokenizer
{
    /// <summary>
    /// tiktoken's special-token rule: a disallowed special string anywhere in the text is an error; the text is
    /// cut at each allowed special string (leftmost first), the pieces between are encoded as ordinary text
    /// (each on its own, so no piece crosses a special token), and each allowed special becomes its id.
    /// </summary>
    private void EncodeWithSpecials<TSink>(byte[] text, int length, IReadOnlySet<string> allowedSpecial, IReadOnlySet<string>? disallowedSpecial, ref TSink sink)
        where TSink : struct, ITokenSink
    {
        ref byte start = ref MemoryMarshal.GetArrayDataReference(text);
        if (allowedSpecial.Count == 0 && disallowedSpecial is { Count: 0 } || (_specialTokens.Count == 0 && disallowedSpecial is null))
        {
            EncodeOrdinaryBytes(ref start, length, ref sink);
            return;
        }

        bool allowAll = ReferenceEquals(allowedSpecial, AllSpecialTokens);
        var span = text.AsSpan(0, length);

        // Disallowed: by default every special token not allowed; an explicit set is checked string by string,
        // even for strings that are not special tokens of this encoding (tiktoken does the same).
        bool defaultDisallowed = disallowedSpecial is null || ReferenceEquals(disallowedSpecial, AllSpecialTokens);
        var disallowed = defaultDisallowed
            ? _specialTokens.Where(p => !allowAll && !allowedSpecial.Contains(p.Key)).Select(p => (p.Key, Bytes: _specialBytes[p.Value]))
            : disallowedSpecial!.Where(s => s.Length > 0).Select(s => (Key: s, Bytes: Encoding.UTF8.GetBytes(s)));
        foreach (var (special, bytes) in disallowed)
        {
            int at = span.IndexOf(bytes);
            if (at >= 0)
            {
                throw new TokenizerException(
                    $"encode: the text contains the special token '{special}' (at UTF-8 byte {at}), which is not allowed. "
                    + "Allow it to encode it as a special token, or encode it as plain text (EncodeOrdinary, or an empty disallowed set).");
            }
        }

        List<(byte[] Bytes, int Id, int Next)>? allowed = null;
        foreach (var (special, id) in _specialTokens)
        {
            if (!allowAll && !allowedSpecial.Contains(special)) continue;
            var bytes = _specialBytes[id];
            int at = span.IndexOf(bytes);
            if (at >= 0) (allowed ??= []).Add((bytes, id, at));
        }
        if (allowed is null)
        {
            EncodeOrdinaryBytes(ref start, length, ref sink);
            return;
        }

        int position = 0;
        while (true)
        {
            // The leftmost allowed special at or after position (the longest when two start together).
            int best = -1;
            for (int k = 0; k < allowed.Count; k++)
            {
                var (bytes, id, next) = allowed[k];
                if (next >= 0 && next < position)
                {
                    int found = span[position..].IndexOf(bytes);
                    next = found < 0 ? -1 : position + found;
                    allowed[k] = (bytes, id, next);
                }
                if (next < 0) continue;
                if (best < 0 || next < allowed[best].Next || (next == allowed[best].Next && bytes.Length > allowed[best].Bytes.Length)) best = k;
            }
            int end = best < 0 ? length : allowed[best].Next;
            EncodeOrdinaryBytes(ref System.Runtime.CompilerServices.Unsafe.Add(ref start, position), end - position, ref sink);
            if (best < 0) break;
            sink.Add(allowed[best].Id);
            position = end + allowed[best].Bytes.Length;
        }
    }

    /// <summary>The special token strings found in <paramref name="text"/>, for messages and the CLI.</summary>
    public IReadOnlyList<string> FindSpecialTokens(string text) =>
        [.. _specialTokens.Keys.Where(s => text.Contains(s, StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
}
