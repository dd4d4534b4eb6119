using System.Text.Json.Nodes;
using Corvid.Nn;
using Corvid.Tensors;

namespace Corvid.Bench;

/// <summary>
/// Multi-head attention forward+backward at sequence 128 and 512 (issue 4): the bare attention
/// (Corvid's fused kernel vs PyTorch 1.13's softmax(q·kᵀ/√d)·v, which has no fused one) and the whole
/// module with its projections (Corvid.Nn vs torch.nn.MultiheadAttention, batch_first). The GPT
/// benchmark's width: d_model 256, 8 heads of 32; 2,048 tokens per call at either length.
/// </summary>
public static class AttentionCases
{
    const int Heads = 8, HeadDim = 32, Model = Heads * HeadDim;

    public static IEnumerable<BenchCase> All()
    {
        foreach (var (batch, seq) in new[] { (16, 128), (4, 512) })
        {
            foreach (bool causal in new[] { false, true })
                yield return Attention(batch, seq, causal);
            yield return Module(batch, seq);
        }
    }

    /// <summary>Two products of B·H·L·S·D multiply-adds forward; the backward counts twice that (fwd+bwd = 3×), as the conv cases.</summary>
    static double AttentionFlops(int batch, int seq, bool causal) => 3 * 4.0 * batch * Heads * seq * seq * HeadDim * (causal ? 0.5 : 1);

    static BenchCase Attention(int batch, int seq, bool causal)
    {
        string name = $"sdpa fwd+bwd b{batch} h{Heads} L{seq} d{HeadDim}" + (causal ? " causal" : "");
        var spec = new JsonObject { ["name"] = name, ["op"] = "sdpa_train", ["b"] = batch, ["h"] = Heads, ["l"] = seq, ["d"] = HeadDim, ["causal"] = causal };
        return new BenchCase("attention", name, AttentionFlops(batch, seq, causal), spec, () =>
        {
            var gen = new Generator(1);
            var q = Tensor.Randn([batch, Heads, seq, HeadDim], gen).RequiresGrad_();
            var k = Tensor.Randn([batch, Heads, seq, HeadDim], gen).RequiresGrad_();
            var v = Tensor.Randn([batch, Heads, seq, HeadDim], gen).RequiresGrad_();
            var upstream = Tensor.Randn([batch, Heads, seq, HeadDim], gen);
            return () =>
            {
                q.Grad = k.Grad = v.Grad = null;
                Corvid.Tensors.F.ScaledDotProductAttention(q, k, v, isCausal: causal).Backward(upstream);
            };
        });
    }

    static BenchCase Module(int batch, int seq)
    {
        string name = $"MultiheadAttention d{Model} h{Heads} fwd+bwd b{batch} L{seq}";
        var spec = new JsonObject { ["name"] = name, ["op"] = "mha_train", ["b"] = batch, ["h"] = Heads, ["l"] = seq, ["d"] = Model };
        double projections = 3 * 4 * 2.0 * batch * seq * Model * Model; // q, k, v and out projections, fwd+bwd
        return new BenchCase("attention", name, AttentionFlops(batch, seq, causal: false) + projections, spec, () =>
        {
            var gen = new Generator(2);
            var attention = new MultiheadAttention(Model, Heads, generator: gen);
            var x = Tensor.Randn([batch, seq, Model], gen).RequiresGrad_();
            var upstream = Tensor.Randn([batch, seq, Model], gen);
            return () =>
            {
                attention.ZeroGrad();
                x.Grad = null;
                attention.Forward(x, x, x).Output.Backward(upstream);
            };
        });
    }
}
