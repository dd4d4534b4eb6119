using Corvid.Nn;
using Corvid.Tensors;

namespace Corvid.Bench;

/// <summary>The training-step workloads, built the same way as in bench/torch_models.py.</summary>
public static class TrainingModels
{
    /// <summary>Three conv(3x3)-BN-ReLU-maxpool(2) blocks and a linear classifier: (N, 3, 32, 32) → (N, 10).</summary>
    public static Sequential Cnn()
    {
        var model = new Sequential();
        int cin = 3;
        foreach (int cout in new[] { 32, 64, 128 })
        {
            model.Add(new Conv2d(cin, cout, 3, padding: 1)).Add(new BatchNorm2d(cout)).Add(new ReLU()).Add(new MaxPool2d(2));
            cin = cout;
        }
        return model.Add(new Flatten()).Add(new Linear(128 * 4 * 4, 10)); // (N, 2048) → (N, 10)
    }

    public static Sequential Mlp(int input, int hidden, int output) =>
        new(new Linear(input, hidden), new ReLU(), new Linear(hidden, output));
}

/// <summary>A nanoGPT-shaped language model on Corvid.Nn's pre-norm <see cref="TransformerBlock"/>.</summary>
public sealed class BenchGpt : Module<Tensor, Tensor>
{
    private readonly Embedding _wte;
    private readonly Embedding _wpe;
    private readonly Sequential _blocks;
    private readonly LayerNorm _lnF;
    private readonly Linear _lmHead;

    public BenchGpt(int vocab, int seq, int dModel, int layers, int heads)
    {
        _wte = RegisterModule("wte", new Embedding(vocab, dModel));
        _wpe = RegisterModule("wpe", new Embedding(seq, dModel));
        _blocks = RegisterModule("blocks", new Sequential());
        for (int i = 0; i < layers; i++) _blocks.Add(new TransformerBlock(new TransformerBlockConfig(dModel, heads)));
        _lnF = RegisterModule("ln_f", new LayerNorm(dModel));
        _lmHead = RegisterModule("lm_head", new Linear(dModel, vocab, bias: false));
    }

    public override Tensor Forward(Tensor idx)
    {
        int t = idx.Shape[1];                                    // idx: (B, T) token ids
        var x = _wte.Forward(idx) + _wpe.Forward(Tensor.Arange(t)); // (B, T, d)
        x = _blocks.Forward(x);                                  // (B, T, d), causal attention inside
        return _lmHead.Forward(_lnF.Forward(x));                 // (B, T, vocab)
    }
}
