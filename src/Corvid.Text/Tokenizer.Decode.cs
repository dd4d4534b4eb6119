using System.Text;

namespace Corvid.Text;

public sealed partial class Tokenizer
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    /// <summary>The bytes of a token sequence, exactly (tokens may end inside a UTF-8 character).</summary>
    public byte[] DecodeBytes(ReadOnlySpan<int> ids)
    {
        int total = 0;
        foreach (int id in ids) total += TokenBytes(id).Length;
        var bytes = new byte[total];
        int offset = 0;
        foreach (int id in ids)
        {
            var token = TokenBytes(id);
            token.CopyTo(bytes.AsSpan(offset));
            offset += token.Length;
        }
        return bytes;
    }

    /// <summary>
    /// The text of a token sequence. Invalid UTF-8 (a sequence cut inside a character) becomes U+FFFD, as
    /// tiktoken's <c>decode</c> does; with <paramref name="throwOnInvalidUtf8"/> it is an error instead.
    /// </summary>
    public string Decode(ReadOnlySpan<int> ids, bool throwOnInvalidUtf8 = false)
    {
        var bytes = DecodeBytes(ids);
        if (!throwOnInvalidUtf8) return Encoding.UTF8.GetString(bytes);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new TokenizerException($"decode: the tokens do not form valid UTF-8 (bad byte at offset {e.Index}); decode to bytes, or allow replacement", e);
        }
    }

    /// <summary>The bytes of one token (mergeable or special).</summary>
    public byte[] DecodeSingleTokenBytes(int id) => TokenBytes(id).ToArray();

    /// <summary>Whether <paramref name="id"/> is a token of this encoding.</summary>
    public bool IsToken(int id) => _ranks.Contains(id) || _specialBytes.ContainsKey(id);

    internal ReadOnlySpan<byte> TokenBytes(int id)
    {
        var bytes = _ranks.Bytes(id);
        if (!bytes.IsEmpty) return bytes;
        if (_specialBytes.TryGetValue(id, out var special)) return special;
        throw new TokenizerException(id < 0 || id >= VocabularySize
            ? $"decode: token id {id} is out of range for {Name} (ids are 0..{VocabularySize - 1})"
            : $"decode: token id {id} is not a token of {Name} (no token has that id)");
    }
}
