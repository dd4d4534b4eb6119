using Corvid.Tensors;

namespace Corvid.Nn;

/// <summary>
/// Multi-head self-attention from scratch, as the article writes it: per-head weights stacked as
/// [h, d, d_k] and applied with einsum, heads concatenated and projected by W_o [d, d]. Readable
/// rather than fast; <see cref="MultiheadAttention"/> is the same computation with fused projections.
/// </summary>
public sealed class MultiHeadSelfAttention : Module<Tensor, Tensor>
{
    public int Dim { get; }
    public int Heads { get; }
    public int HeadDim => Dim / Heads;

    public MultiHeadSelfAttention(int dim, int heads, Generator? generator = null)
    {
        if (heads <= 0 || dim % heads != 0)
            throw new ArgumentException($"MultiHeadSelfAttention: dim {dim} is not divisible by {heads} heads");
        Dim = dim;
        Heads = heads;
        RegisterParameter("w_query", Tensor.Rand([heads, dim, dim / heads], generator));
        RegisterParameter("w_key", Tensor.Rand([heads, dim, dim / heads], generator));
        RegisterParameter("w_value", Tensor.Rand([heads, dim, dim / heads], generator));
        RegisterParameter("w_output", Tensor.Rand([dim, dim], generator));
    }

    /// <summary>The attention weights of every head, [h, s, s], for x [s, d].</summary>
    public Tensor Weights(Tensor x)
    {
        CheckInput(x);
        var queries = Tensor.Einsum("sd,hde->hse", x, Parameter("w_query")); // [h, s, d_k]
        var keys = Tensor.Einsum("sd,hde->hse", x, Parameter("w_key"));      // [h, s, d_k]
        var scores = Tensor.Einsum("hse,hek->hsk", queries, keys.MT) / MathF.Sqrt(HeadDim); // [h, s, s]
        return scores.Softmax(-1);
    }

    /// <summary>The output [s, d] for x [s, d].</summary>
    public override Tensor Forward(Tensor x)
    {
        var weights = Weights(x);                                              // [h, s, s]
        var values = Tensor.Einsum("sd,hde->hse", x, Parameter("w_value"));    // [h, s, d_k]
        var heads = Tensor.Einsum("hij,hjk->hik", weights, values);            // [h, s, d_k]
        var concat = heads.Permute(1, 0, 2).Reshape(x.Shape[0], -1);           // [s, d]
        return concat.Matmul(Parameter("w_output"));                           // [s, d]
    }

    private void CheckInput(Tensor x)
    {
        if (x.Rank != 2 || x.Shape[1] != Dim)
            throw new ArgumentException($"MultiHeadSelfAttention: expected input [seq, {Dim}], got [{string.Join(", ", x.Shape.ToArray())}]");
    }

    protected override string ExtraRepr() => $"dim={Dim}, heads={Heads}";
}
