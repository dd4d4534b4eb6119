using Corvid.Tensors;
using Corvid.Tensors.Autograd;

namespace Corvid.Nn;

/// <summary>
/// A lookup table [num_embeddings, embedding_dim] indexed by int64 ids, as <c>torch.nn.Embedding</c>:
/// weights start N(0, 1); the padding row starts at zero and receives no gradient.
/// </summary>
public sealed class Embedding : Module<Tensor, Tensor>
{
    public int NumEmbeddings { get; }
    public int EmbeddingDim { get; }

    /// <summary>The padding row, already made non-negative (PyTorch accepts −1 for the last row).</summary>
    public int? PaddingIdx { get; }

    public Embedding(int numEmbeddings, int embeddingDim, int? paddingIdx = null, Generator? generator = null)
    {
        if (numEmbeddings <= 0 || embeddingDim <= 0)
            throw new ArgumentException($"Embedding: sizes must be positive, got num_embeddings={numEmbeddings}, embedding_dim={embeddingDim}");
        if (paddingIdx is { } pad && (pad >= numEmbeddings || pad < -numEmbeddings))
            throw new ArgumentException($"Embedding: padding_idx {pad} is out of range for {numEmbeddings} embeddings");
        NumEmbeddings = numEmbeddings;
        EmbeddingDim = embeddingDim;
        PaddingIdx = paddingIdx is { } p && p < 0 ? p + numEmbeddings : paddingIdx;
        var w = RegisterParameter("weight", Tensor.Zeros(numEmbeddings, embeddingDim));
        Init.Normal(w, 0f, 1f, generator);
        if (PaddingIdx is { } row)
            using (GradMode.NoGrad()) w.Select(0, row).CopyFrom(Tensor.Scalar(0f));
    }

    public Tensor Weight => Parameter("weight");

    /// <summary>ids of any shape (int64) → [*ids.shape, embedding_dim].</summary>
    public override Tensor Forward(Tensor ids) => F.Embedding(ids, Weight, PaddingIdx);

    protected override string ExtraRepr() =>
        $"{NumEmbeddings}, {EmbeddingDim}" + (PaddingIdx is { } p ? $", padding_idx={p}" : "");
}
