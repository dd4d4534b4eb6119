using Corvid.Tensors;

namespace Corvid.Nn;

/// <summary>
/// Single-head self-attention from explicit W_q, W_k, W_v [d, d], as "A Simple Implementation of
/// the Attention Mechanism from Scratch" builds it: q_i = W_q·x_i, k_j = W_k·x_j, v_j = W_v·x_j,
/// a_i = softmax(q_i·k_jᵀ / √d) over j, z_i = Σ_j a_ij·v_j.
/// </summary>
public sealed class SelfAttention : Module<Tensor, Tensor>
{
    public int Dim { get; }

    public SelfAttention(int dim, Generator? generator = null)
    {
        Dim = dim;
        // The article draws each matrix from U[0, 1) (torch.rand).
        RegisterParameter("w_query", Tensor.Rand([dim, dim], generator));
        RegisterParameter("w_key", Tensor.Rand([dim, dim], generator));
        RegisterParameter("w_value", Tensor.Rand([dim, dim], generator));
    }

    public Tensor WQuery => Parameter("w_query");
    public Tensor WKey => Parameter("w_key");
    public Tensor WValue => Parameter("w_value");

    /// <summary>The attention weights [s, s] of every token (row) over every token (column) for x [s, d].</summary>
    public Tensor Weights(Tensor x)
    {
        CheckInput(x);
        var queries = x.Matmul(WQuery.T); // [s, d]
        var keys = x.Matmul(WKey.T);      // [s, d]
        return (queries.Matmul(keys.T) / MathF.Sqrt(Dim)).Softmax(-1); // [s, s]
    }

    /// <summary>The context vectors z [s, d] for x [s, d].</summary>
    public override Tensor Forward(Tensor x) => Weights(x).Matmul(x.Matmul(WValue.T));

    private void CheckInput(Tensor x)
    {
        if (x.Rank != 2 || x.Shape[1] != Dim)
            throw new ArgumentException($"SelfAttention: expected input [seq, {Dim}], got [{string.Join(", ", x.Shape.ToArray())}]");
    }

    protected override string ExtraRepr() => $"dim={Dim}";
}
