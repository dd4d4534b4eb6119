using Corvid.Tensors;

namespace Corvid.Nn;

/// <summary>
/// Multi-head attention with fused input projections, parameter-compatible with
/// <c>torch.nn.MultiheadAttention(batch_first=True)</c>: in_proj_weight [3d, d], in_proj_bias [3d],
/// out_proj. Inputs are [batch, seq, d].
/// </summary>
public sealed class MultiheadAttention : Module
{
    public int EmbedDim { get; }
    public int NumHeads { get; }
    public float Dropout { get; }
    private readonly Linear _outProj;

    public MultiheadAttention(int embedDim, int numHeads, bool bias = true, float dropout = 0f, Generator? generator = null)
    {
        if (numHeads <= 0 || embedDim % numHeads != 0)
            throw new ArgumentException($"MultiheadAttention: embed dim {embedDim} is not divisible by {numHeads} heads");
        EmbedDim = embedDim;
        NumHeads = numHeads;
        Dropout = dropout;
        var w = RegisterParameter("in_proj_weight", Tensor.Zeros(3 * embedDim, embedDim));
        Init.XavierUniform(w, generator: generator);
        RegisterParameter("in_proj_bias", bias ? Tensor.Zeros(3 * embedDim) : null, allowNull: true);
        _outProj = RegisterModule("out_proj", new Linear(embedDim, embedDim, bias, generator));
        if (bias) Init.Zeros(_outProj.Bias!);
    }

    /// <summary>
    /// Attends from <paramref name="query"/> [b, l, d] to <paramref name="key"/>/<paramref name="value"/> [b, s, d].
    /// <paramref name="keyPaddingMask"/> [b, s] is true at padding positions (ignored), as PyTorch;
    /// <paramref name="attnMask"/> [l, s] (bool: true = blocked, as PyTorch; or float, added) and
    /// <paramref name="isCausal"/> restrict what each position sees. Returns the output and, when asked,
    /// the attention weights averaged over heads [b, l, s].
    /// </summary>
    public (Tensor Output, Tensor? Weights) Forward(Tensor query, Tensor key, Tensor value,
        Tensor? keyPaddingMask = null, Tensor? attnMask = null, bool isCausal = false, bool needWeights = false)
    {
        CheckInput("query", query);
        CheckInput("key", key);
        CheckInput("value", value);
        int b = query.Shape[0], l = query.Shape[1], s = key.Shape[1], h = NumHeads, dk = EmbedDim / NumHeads;
        if (keyPaddingMask is not null && (keyPaddingMask.Rank != 2 || keyPaddingMask.Shape[0] != b || keyPaddingMask.Shape[1] != s))
            throw new ArgumentException($"MultiheadAttention: key padding mask must be [{b}, {s}], got [{string.Join(", ", keyPaddingMask.Shape.ToArray())}]");

        Tensor attended, weights = null!;
        bool fused = attnMask is null && !needWeights && (Dropout == 0f || !Training);
        if (fused && ReferenceEquals(query, key) && ReferenceEquals(key, value))
        {
            // Self-attention: q, k and v in one [b, l, 3d] projection (one GEMM forward, one per operand backward,
            // the weight gradient straight into in_proj_weight's [3d, d]); the kernel reads and writes it in place.
            var qkv = F.Linear(query, Parameter("in_proj_weight"), OptionalParameter("in_proj_bias"));       // [b, l, 3d]
            attended = FusedAttention.ApplyPacked(qkv, h, isCausal, keyPaddingMask, 1f / MathF.Sqrt(dk)); // [b, h, l, dk]
        }
        else
        {
            var w = Parameter("in_proj_weight").Chunk(3, 0);
            var bias = OptionalParameter("in_proj_bias")?.Chunk(3, 0);
            var q = F.Linear(query, w[0], bias?[0]).View(b, l, h, dk).Transpose(1, 2); // [b, h, l, dk]
            var k = F.Linear(key, w[1], bias?[1]).View(b, s, h, dk).Transpose(1, 2);   // [b, h, s, dk]
            var v = F.Linear(value, w[2], bias?[2]).View(b, s, h, dk).Transpose(1, 2); // [b, h, s, dk]
            if (fused)
            {
                attended = F.FusedMultiHeadAttention(q, k, v, keyPaddingMask, isCausal); // [b, h, l, dk], no [l, s] scores kept
            }
            else
            {
                var scores = q.Matmul(k.MT) / MathF.Sqrt(dk); // [b, h, l, s]
                if (isCausal) scores = scores.MaskedFill(CausalBlocked(l, s), float.NegativeInfinity);
                if (attnMask is not null)
                    scores = attnMask.DType == DType.Bool ? scores.MaskedFill(attnMask, float.NegativeInfinity) : scores + attnMask;
                if (keyPaddingMask is not null) scores = scores.MaskedFill(keyPaddingMask.View(b, 1, 1, s), float.NegativeInfinity);
                weights = scores.Softmax(-1);                                     // [b, h, l, s]
                attended = F.Dropout(weights, Dropout, Training).Matmul(v);       // [b, h, l, dk]
            }
        }
        var output = _outProj.Forward(attended.Transpose(1, 2).Reshape(b, l, EmbedDim)); // [b, l, d]
        return (output, needWeights ? weights.Mean(1) : null);
    }

    /// <summary>True above the diagonal: position i may not see j &gt; i.</summary>
    internal static Tensor CausalBlocked(int l, int s)
    {
        var blocked = new bool[l * s];
        for (int i = 0; i < l; i++)
            for (int j = i + 1; j < s; j++) blocked[i * s + j] = true;
        return Tensor.FromArray(blocked, l, s);
    }

    private void CheckInput(string name, Tensor x)
    {
        if (x.Rank != 3 || x.Shape[2] != EmbedDim)
            throw new ArgumentException($"MultiheadAttention: {name} must be [batch, seq, {EmbedDim}], got [{string.Join(", ", x.Shape.ToArray())}]");
    }

    protected override string ExtraRepr() => $"embed_dim={EmbedDim}, num_heads={NumHeads}";
}
