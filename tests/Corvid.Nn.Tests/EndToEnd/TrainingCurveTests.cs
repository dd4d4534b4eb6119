using Corvid.Nn.Optim;
using Corvid.Tensors;
using Corvid.Tensors.IO;

namespace Corvid.Nn.Tests.EndToEnd;

/// <summary>
/// Corvid and PyTorch train the same networks from the same initial weights on the same batches
/// (tools/train_fixtures.py); the loss of every step must agree to 1e-5 (measured: the largest
/// difference over 200 steps is 2.4e-7, one float32 rounding of a loss near 2).
/// </summary>
public class TrainingCurveTests
{
    private static SafeTensors.Contents Load(string name) =>
        SafeTensors.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", name + ".safetensors"));

    private static Dictionary<string, Tensor> Initial(SafeTensors.Contents file) =>
        file.Tensors.Where(kv => kv.Key.StartsWith("init.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key[5..], kv => kv.Value);

    private static void AssertCurvesAgree(float[] expected, IReadOnlyList<float> actual, string model)
    {
        Assert.Equal(expected.Length, actual.Count);
        for (int step = 0; step < expected.Length; step++)
        {
            const double tolerance = 1e-5;
            double error = Math.Abs(actual[step] - expected[step]);
            Assert.True(error <= tolerance, $"{model} step {step}: PyTorch loss {expected[step]:G7}, Corvid {actual[step]:G7} (error {error:E2} > {tolerance:E2})");
        }
        Assert.True(actual[^1] < actual[0] * 0.5f, $"{model}: the loss did not fall ({actual[0]} → {actual[^1]})");
    }

    [Fact]
    public void Cnn_with_batch_norm_sgd_nesterov_and_one_cycle_follows_pytorchs_loss_curve()
    {
        var file = Load("train_cnn");
        var t = file.Tensors;
        var model = new Sequential(
            new Conv2d(1, 8, 3, padding: 1), new BatchNorm2d(8), new ReLU(), new MaxPool2d(2),
            new Conv2d(8, 16, 3, padding: 1), new BatchNorm2d(16), new ReLU(), new MaxPool2d(2),
            new Flatten(), new Linear(16 * 3 * 3, 10));
        model.LoadStateDict(Initial(file));

        var order = t["order"];
        int steps = order.Shape[0];
        var optimizer = new SGD(model.Parameters(), lr: 0.05, momentum: 0.9, weightDecay: 1e-4, nesterov: true);
        var scheduler = new OneCycleLR(optimizer, maxLr: 0.05, totalSteps: steps);
        var losses = new List<float>();
        for (int step = 0; step < steps; step++)
        {
            var idx = order.Select(0, step);
            var x = t["images"].IndexSelect(0, idx);
            var y = t["labels"].IndexSelect(0, idx);
            var loss = F.CrossEntropy(model.Forward(x), y, labelSmoothing: 0.05f);
            optimizer.ZeroGrad();
            loss.Backward();
            optimizer.Step();
            scheduler.Step();
            losses.Add(loss.Item());
        }
        AssertCurvesAgree(t["losses"].ToArray(), losses, "CNN");

        // Evaluation mode uses the running statistics both frameworks accumulated.
        model.Eval();
        var logits = model.Forward(t["images"].Narrow(0, 0, 64));
        Numerics.AssertClose(t["eval_logits"], logits, 2e-2, 2e-2, "eval logits after training");
    }

    private sealed class TinyGpt : Module<Tensor, Tensor>
    {
        private readonly Embedding _tok, _pos;
        private readonly Sequential _blocks;
        private readonly LayerNorm _lnF;
        private readonly Linear _head;

        public TinyGpt(int vocab, int dim, int heads, int layers, int context)
        {
            _tok = RegisterModule("tok", new Embedding(vocab, dim));
            _pos = RegisterModule("pos", new Embedding(context, dim));
            _blocks = RegisterModule("blocks", new Sequential(Enumerable.Range(0, layers)
                .Select(_ => (Module<Tensor, Tensor>)new TransformerBlock(new TransformerBlockConfig(dim, heads))).ToArray()));
            _lnF = RegisterModule("ln_f", new LayerNorm(dim));
            _head = RegisterModule("head", new Linear(dim, vocab, bias: false));
        }

        public override Tensor Forward(Tensor ids)
        {
            int t = ids.Shape[1];
            var x = _tok.Forward(ids) + _pos.Forward(Tensor.Arange(t)); // [b, t, d]
            return _head.Forward(_lnF.Forward(_blocks.Forward(x)));      // [b, t, vocab]
        }
    }

    [Fact]
    public void Transformer_language_model_with_adamw_clipping_and_cosine_follows_pytorchs_loss_curve()
    {
        var file = Load("train_gpt");
        var t = file.Tensors;
        var c = t["config"].ToLongArray().Select(v => (int)v).ToArray();
        int vocab = c[0], dim = c[1], heads = c[2], layers = c[3], context = c[4], batch = c[5], steps = c[6];
        var model = new TinyGpt(vocab, dim, heads, layers, context);
        model.LoadStateDict(Initial(file));

        var data = t["data"];
        var starts = t["starts"].ToLongArray();
        var optimizer = new AdamW(model.Parameters(), lr: 3e-3, betas: (0.9, 0.95), weightDecay: 0.1);
        var scheduler = new CosineAnnealingLR(optimizer, tMax: steps);
        var losses = new List<float>();
        for (int step = 0; step < steps; step++)
        {
            var xs = new List<Tensor>();
            var ys = new List<Tensor>();
            for (int b = 0; b < batch; b++)
            {
                int s = (int)starts[step * batch + b];
                xs.Add(data.Narrow(0, s, context));
                ys.Add(data.Narrow(0, s + 1, context));
            }
            var logits = model.Forward(Tensor.Stack(xs));                                         // [b, t, vocab]
            var loss = F.CrossEntropy(logits.Reshape(-1, vocab), Tensor.Stack(ys).Reshape(-1));
            optimizer.ZeroGrad();
            loss.Backward();
            GradClipping.ClipGradNorm(model.Parameters(), 1.0);
            optimizer.Step();
            scheduler.Step();
            losses.Add(loss.Item());
        }
        AssertCurvesAgree(t["losses"].ToArray(), losses, "GPT");
    }
}
