using Corvid.Tensors;
using Corvid.Tensors.IO;

namespace Corvid.Nn;

/// <summary>
/// The walk-through of "A Simple Implementation of the Attention Mechanism from Scratch": the
/// sentence "my name is marcello politi" as ids [2, 6, 8, 3, 1], a 10 × 16 embedding, one head's
/// attention weights and z1, then four heads. By default it runs on the weights the article's own
/// code draws with <c>torch.manual_seed(0)</c> (exported by tools/attention_article.py), so every
/// number can be compared with PyTorch; with a seed it draws its own.
/// </summary>
public sealed record AttentionWalkthrough(
    string[] Words,
    long[] TokenIds,
    Tensor Weights,
    Tensor A1,
    Tensor Z1,
    Tensor HeadWeights,
    Tensor MultiHeadToken1,
    string WeightsSource)
{
    public static readonly string[] Sentence = ["my", "name", "is", "marcello", "politi"];
    public static readonly long[] Ids = [2, 6, 8, 3, 1];
    public const int Vocabulary = 10, Dim = 16, Heads = 4;

    /// <summary>The article's tensors exported from PyTorch (weights and PyTorch's results).</summary>
    public static IReadOnlyDictionary<string, Tensor> ArticleTensors()
    {
        using var stream = typeof(AttentionWalkthrough).Assembly.GetManifestResourceStream("Corvid.Nn.article-attention.safetensors")
            ?? throw new InvalidOperationException("the article's attention weights are missing from Corvid.Nn");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return SafeTensors.Parse(memory.ToArray(), "article-attention.safetensors").Tensors;
    }

    /// <summary>Runs the walk-through on the article's weights, or on weights drawn from <paramref name="seed"/>.</summary>
    public static AttentionWalkthrough Run(ulong? seed = null)
    {
        var ids = Tensor.FromArray(Ids);
        Tensor singleEmbedding, multiEmbedding;
        SelfAttention single;
        MultiHeadSelfAttention multi;
        string source;
        if (seed is { } s)
        {
            var generator = new Generator(s);
            var embedding = Tensor.Randn([Vocabulary, Dim], generator);
            singleEmbedding = multiEmbedding = embedding;
            single = new SelfAttention(Dim, generator);
            multi = new MultiHeadSelfAttention(Dim, Heads, generator);
            source = $"Corvid's generator, seed {s}";
        }
        else
        {
            var t = ArticleTensors();
            singleEmbedding = t["single.embedding"];
            multiEmbedding = t["multi.embedding"];
            single = new SelfAttention(Dim);
            single.LoadStateDict(new Dictionary<string, Tensor>
            {
                ["w_query"] = t["single.w_query"], ["w_key"] = t["single.w_key"], ["w_value"] = t["single.w_value"],
            });
            multi = new MultiHeadSelfAttention(Dim, Heads);
            multi.LoadStateDict(new Dictionary<string, Tensor>
            {
                ["w_query"] = t["multi.w_query"], ["w_key"] = t["multi.w_key"], ["w_value"] = t["multi.w_value"], ["w_output"] = t["multi.w_output"],
            });
            source = "the article's code with torch.manual_seed(0), exported from PyTorch";
        }

        using var _ = Corvid.Tensors.Autograd.GradMode.NoGrad();
        var x = F.Embedding(ids, singleEmbedding);     // [5, 16]
        var weights = single.Weights(x);              // [5, 5]
        var z = single.Forward(x);                    // [5, 16]
        var x2 = F.Embedding(ids, multiEmbedding);    // [5, 16]
        var headWeights = multi.Weights(x2);          // [4, 5, 5]
        var output = multi.Forward(x2);               // [5, 16]
        return new AttentionWalkthrough(Sentence, Ids, weights, weights.Select(0, 0), z.Select(0, 0), headWeights, output.Select(0, 0), source);
    }
}
