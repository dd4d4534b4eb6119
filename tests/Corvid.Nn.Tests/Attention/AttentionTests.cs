using System.Text.Json;
using Corvid.Tensors;
using Corvid.Tensors.Autograd;
using Corvid.Tensors.IO;

namespace Corvid.Nn.Tests.Attention;

public class AttentionTests
{
    [Fact]
    public void Walkthrough_reproduces_the_articles_single_head_numbers()
    {
        var t = AttentionWalkthrough.ArticleTensors();
        var run = AttentionWalkthrough.Run();
        Numerics.AssertClose(t["single.a1"], run.A1, 1e-5, 1e-7, "a1");
        Numerics.AssertClose(t["single.z1"], run.Z1, 1e-5, 1e-6, "z1");
        Numerics.AssertClose(t["single.weights"], run.Weights, 1e-5, 1e-7, "attention weights");
        // Each row is a probability distribution.
        foreach (var rowSum in run.Weights.Sum(1).ToArray()) Assert.Equal(1f, rowSum, 5);
    }

    [Fact]
    public void Walkthrough_reproduces_the_articles_four_head_output()
    {
        var t = AttentionWalkthrough.ArticleTensors();
        var run = AttentionWalkthrough.Run();
        Numerics.AssertClose(t["multi.weights"], run.HeadWeights, 1e-5, 1e-7, "head weights");
        Numerics.AssertClose(t["multi.output"].Select(0, 0), run.MultiHeadToken1, 1e-5, 1e-5, "multi-head output of token 1");
    }

    [Fact]
    public void Walkthrough_with_a_seed_is_deterministic_and_differs_from_the_article()
    {
        var a = AttentionWalkthrough.Run(seed: 42);
        var b = AttentionWalkthrough.Run(seed: 42);
        Assert.Equal(a.Weights.ToArray(), b.Weights.ToArray());
        Assert.NotEqual(AttentionWalkthrough.Run().Weights.ToArray(), a.Weights.ToArray());
    }

    [Fact]
    public void Fused_multihead_attention_agrees_with_the_from_scratch_einsum_version()
    {
        const int d = 16, h = 4, dk = d / h, s = 5;
        var gen = new Generator(11);
        var fused = new MultiheadAttention(d, h, bias: false, generator: gen);
        var scratch = new MultiHeadSelfAttention(d, h);

        // in_proj rows [i·d, (i+1)·d) map x to q/k/v; head j uses columns [j·dk, (j+1)·dk) of its transpose.
        var w = fused.StateDict()["in_proj_weight"].Chunk(3, 0);
        Tensor Stack(Tensor proj) => proj.T.Reshape(d, h, dk).Permute(1, 0, 2).Contiguous(); // [h, d, dk]
        scratch.LoadStateDict(new Dictionary<string, Tensor>
        {
            ["w_query"] = Stack(w[0]), ["w_key"] = Stack(w[1]), ["w_value"] = Stack(w[2]),
            ["w_output"] = fused.StateDict()["out_proj.weight"].T.Contiguous(),
        });

        var x = Tensor.Randn([s, d], gen);
        var (fusedOut, fusedWeights) = fused.Forward(x.Unsqueeze(0), x.Unsqueeze(0), x.Unsqueeze(0), needWeights: true);
        Numerics.AssertClose(scratch.Forward(x), fusedOut.Squeeze(0), 1e-5, 1e-6, "output");
        Numerics.AssertClose(scratch.Weights(x).Mean(0), fusedWeights!.Squeeze(0), 1e-5, 1e-7, "weights");
    }

    public static IEnumerable<object[]> TorchCases() =>
        Load().Metadata.Keys.Order(StringComparer.Ordinal).Select(k => new object[] { k });

    private static SafeTensors.Contents Load() => SafeTensors.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "attention.safetensors"));

    [Theory, MemberData(nameof(TorchCases))]
    public void Multihead_attention_matches_torch(string name)
    {
        var file = Load();
        var t = file.Tensors;
        using var meta = JsonDocument.Parse(file.Metadata[name]);
        var m = meta.RootElement;
        var mha = new MultiheadAttention(m.GetProperty("dim").GetInt32(), m.GetProperty("heads").GetInt32(), m.GetProperty("bias").GetBoolean());
        var prefix = $"{name}.state.";
        mha.LoadStateDict(t.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value));

        var query = t[$"{name}.query"].Clone().RequiresGrad_();
        var kv = m.GetProperty("cross").GetBoolean() ? t[$"{name}.kv"].Clone().RequiresGrad_() : query;
        var (output, weights) = mha.Forward(query, kv, kv,
            keyPaddingMask: t.TryGetValue($"{name}.padding", out var pad) ? pad : null,
            isCausal: m.GetProperty("causal").GetBoolean(), needWeights: true);
        Numerics.AssertClose(t[$"{name}.out"], output, 1e-5, 1e-5, "output");
        Numerics.AssertClose(t[$"{name}.weights"], weights!, 1e-5, 1e-6, "weights");

        // Without weights requested the fused kernel runs; it must give the same output and gradients.
        var (fusedOutput, _) = mha.Forward(query, kv, kv,
            keyPaddingMask: t.TryGetValue($"{name}.padding", out var pad2) ? pad2 : null,
            isCausal: m.GetProperty("causal").GetBoolean());
        Numerics.AssertClose(t[$"{name}.out"], fusedOutput, 1e-5, 1e-5, "fused output");
        output = fusedOutput;

        var inProj = mha.NamedParameters().Single(p => p.Name == "in_proj_weight").Parameter;
        var inputs = new List<Tensor> { query, inProj };
        if (!ReferenceEquals(kv, query)) inputs.Add(kv);
        var grads = AutogradEngine.Grad([output], inputs, [t[$"{name}.gout"]], retainGraph: true);
        Numerics.AssertClose(t[$"{name}.grad.query"], grads[0]!, 1e-4, 1e-5, "grad query");
        Numerics.AssertClose(t[$"{name}.grad.in_proj_weight"], grads[1]!, 1e-4, 1e-5, "grad in_proj_weight");
        if (inputs.Count == 3) Numerics.AssertClose(t[$"{name}.grad.kv"], grads[2]!, 1e-4, 1e-5, "grad key/value");
        if (t.TryGetValue($"{name}.grad.in_proj_bias", out var biasGrad))
        {
            var inBias = mha.NamedParameters().Single(p => p.Name == "in_proj_bias").Parameter;
            Numerics.AssertClose(biasGrad, AutogradEngine.Grad([output], [inBias], [t[$"{name}.gout"]])[0]!, 1e-4, 1e-5, "grad in_proj_bias");
        }

        if (m.GetProperty("second_order").GetBoolean())
        {
            // d/d(query) of |d out/d in_proj_weight|²: the attention's backward must itself be differentiable.
            var (again, _) = mha.Forward(query, kv, kv,
                keyPaddingMask: t.TryGetValue($"{name}.padding", out var pad3) ? pad3 : null,
                isCausal: m.GetProperty("causal").GetBoolean());
            var gw = AutogradEngine.Grad([again], [inProj], [t[$"{name}.gout"]], createGraph: true)[0]!;
            var second = AutogradEngine.Grad([gw.Square().Sum()], [query])[0]!;
            Numerics.AssertClose(t[$"{name}.grad2.query"], second, 1e-4, 1e-4, "second-order grad query");
        }
    }

    [Fact]
    public void Packed_self_attention_gives_the_same_bits_on_one_and_two_threads()
    {
        // The GPT block's path (one [3d, d] projection, fused kernel, packed backward), causal, with a ragged block of rows.
        (float[] Out, float[] GradX, float[] GradW) Run(int threads)
        {
            int saved = Corvid.Tensors.Kernels.Threads.Count;
            try
            {
                Corvid.Tensors.Kernels.Threads.Count = threads;
                var gen = new Generator(5);
                var mha = new MultiheadAttention(64, 4, generator: gen);
                var x = Tensor.Randn([3, 131, 64], gen).RequiresGrad_();
                var (y, _) = mha.Forward(x, x, x, isCausal: true);
                y.Backward(Tensor.Randn([3, 131, 64], gen));
                var w = mha.NamedParameters().Single(p => p.Name == "in_proj_weight").Parameter;
                return (y.ToArray(), x.Grad!.ToArray(), w.Grad!.ToArray());
            }
            finally
            {
                Corvid.Tensors.Kernels.Threads.Count = saved;
            }
        }
        var one = Run(1);
        var two = Run(2);
        Assert.Equal(one.Out, two.Out);
        Assert.Equal(one.GradX, two.GradX);
        Assert.Equal(one.GradW, two.GradW);
    }

    [Fact]
    public void Input_of_the_wrong_width_names_the_module_and_shape()
    {
        var mha = new MultiheadAttention(8, 2);
        var e = Assert.Throws<ArgumentException>(() => mha.Forward(Tensor.Zeros(1, 3, 6), Tensor.Zeros(1, 3, 6), Tensor.Zeros(1, 3, 6)));
        Assert.Contains("MultiheadAttention", e.Message);
        Assert.Contains("[1, 3, 6]", e.Message);
    }
}
