using Corvid.Tensors;

namespace Corvid.Nn;

/// <summary>Hyperparameters of one transformer block.</summary>
public sealed record TransformerBlockConfig(int Dim, int Heads, int MlpRatio = 4, float Dropout = 0f, bool Bias = true, bool Causal = true);

/// <summary>
/// A pre-norm transformer block, as GPT-2 and nanoGPT build it: x + attention(ln_1(x)), then
/// x + mlp(ln_2(x)) with a GELU MLP of <c>MlpRatio·Dim</c> hidden units. Input and output [b, t, d].
/// </summary>
public sealed class TransformerBlock : Module<Tensor, Tensor>
{
    public TransformerBlockConfig Config { get; }
    private readonly LayerNorm _ln1;
    private readonly MultiheadAttention _attn;
    private readonly LayerNorm _ln2;
    private readonly Sequential _mlp;
    private readonly Dropout _residualDropout;

    public TransformerBlock(TransformerBlockConfig config, Generator? generator = null)
    {
        Config = config;
        _ln1 = RegisterModule("ln_1", new LayerNorm(config.Dim));
        _attn = RegisterModule("attn", new MultiheadAttention(config.Dim, config.Heads, config.Bias, config.Dropout, generator));
        _ln2 = RegisterModule("ln_2", new LayerNorm(config.Dim));
        _mlp = RegisterModule("mlp", new Sequential(
            new Linear(config.Dim, config.MlpRatio * config.Dim, config.Bias, generator),
            new GELU(),
            new Linear(config.MlpRatio * config.Dim, config.Dim, config.Bias, generator)));
        _residualDropout = RegisterModule("dropout", new Dropout(config.Dropout, generator));
    }

    public override Tensor Forward(Tensor x) => Forward(x, keyPaddingMask: null);

    /// <summary>x [b, t, d]; <paramref name="keyPaddingMask"/> [b, t] is true at padding positions.</summary>
    public Tensor Forward(Tensor x, Tensor? keyPaddingMask)
    {
        var h = _ln1.Forward(x);                                                                   // [b, t, d]
        var (attended, _) = _attn.Forward(h, h, h, keyPaddingMask, isCausal: Config.Causal);    // [b, t, d]
        x = x + _residualDropout.Forward(attended);
        return x + _residualDropout.Forward(_mlp.Forward(_ln2.Forward(x)));                       // [b, t, d]
    }
}
