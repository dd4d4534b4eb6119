using Corvid.Text;

namespace Corvid.Bench.Text;

/// <summary>One tokenizer under test: a name and "encode this document to ids".</summary>
internal sealed record Peer(string Name, Func<string, IReadOnlyList<int>> Encode)
{
    public static List<Peer> ForEncoding(string encoding) =>
    [
        new("Corvid.Text", Tokenizer.ForEncoding(encoding).EncodeOrdinary),
        new("Microsoft.ML.Tokenizers 2.0.1", MlTokenizersEncoder(encoding)),
        new("SharpToken 2.0.6", SharpTokenEncoder(encoding)),
    ];

    private static Func<string, IReadOnlyList<int>> MlTokenizersEncoder(string encoding)
    {
        var ml = Microsoft.ML.Tokenizers.TiktokenTokenizer.CreateForEncoding(encoding);
        return text => ml.EncodeToIds(text);
    }

    private static Func<string, IReadOnlyList<int>> SharpTokenEncoder(string encoding)
    {
        var sharp = SharpToken.GptEncoding.GetEncoding(encoding);
        return text => sharp.Encode(text);
    }
}
