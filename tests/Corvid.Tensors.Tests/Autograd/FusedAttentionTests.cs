using Corvid.Tensors.Autograd;

namespace Corvid.Tensors.Tests.Autograd;

/// <summary>The fused attention kernel against the same attention written with ordinary ops (itself checked against PyTorch).</summary>
public class FusedAttentionTests
{
    public static TheoryData<bool, bool, int, int> Shapes() => new()
    {
        { false, false, 5, 5 },
        { true, false, 6, 6 },
        { false, true, 4, 7 },
        { true, true, 7, 7 },
    };

    [Theory, MemberData(nameof(Shapes))]
    public void Forward_and_gradients_match_the_composite_attention(bool causal, bool padding, int l, int s)
    {
        var gen = new Generator(21);
        var q = Tensor.Randn([2, 3, l, 8], gen).RequiresGrad_();
        var k = Tensor.Randn([2, 3, s, 8], gen).RequiresGrad_();
        var v = Tensor.Randn([2, 3, s, 5], gen).RequiresGrad_();
        Tensor? pad = null;
        if (padding)
        {
            var blocked = new bool[2 * s];
            blocked[s - 1] = blocked[s - 2] = true; // the last two keys of batch 0
            pad = Tensor.FromArray(blocked, 2, s);
        }
        float scale = 1f / MathF.Sqrt(8);
        var fused = F.FusedMultiHeadAttention(q, k, v, pad, causal);
        var composite = FusedAttention.Composite(q, k, v, causal, pad, scale);
        Numerics.AssertClose(composite, fused, 1e-5, 1e-6, "output");

        var g = Tensor.Randn(fused.Shape.ToArray(), gen);
        var fusedGrads = AutogradEngine.Grad([fused], [q, k, v], [g]);
        var compositeGrads = AutogradEngine.Grad([composite], [q, k, v], [g]);
        for (int i = 0; i < 3; i++) Numerics.AssertClose(compositeGrads[i]!, fusedGrads[i]!, 1e-4, 1e-5, "grad " + "qkv"[i]);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void Packed_qkv_matches_the_composite_attention_on_its_slices(bool causal, bool padding)
    {
        // qkv [b, l, 3·h·d] as a strided view (a transpose), so the op's own contiguous copy is exercised too.
        const int b = 2, l = 19, h = 3, d = 4;
        var gen = new Generator(8);
        var stored = Tensor.Randn([b, 3 * h * d, l], gen).RequiresGrad_();
        var qkv = stored.Transpose(1, 2);
        Tensor? pad = null;
        if (padding)
        {
            var blocked = new bool[b * l];
            blocked[l - 1] = blocked[2 * l - 3] = true;
            pad = Tensor.FromArray(blocked, b, l);
        }
        float scale = 1f / MathF.Sqrt(d);
        var parts = qkv.Reshape(b, l, 3, h, d);
        Tensor Part(int i) => parts.Select(2, i).Transpose(1, 2);
        var composite = FusedAttention.Composite(Part(0), Part(1), Part(2), causal, pad, scale);
        var packed = FusedAttention.ApplyPacked(qkv, h, causal, pad, scale);
        Numerics.AssertClose(composite, packed, 1e-5, 1e-6, "output");

        var g = Tensor.Randn([b, h, l, d], gen);
        var expected = AutogradEngine.Grad([composite], [stored], [g], createGraph: true)[0]!;
        var actual = AutogradEngine.Grad([packed], [stored], [g], createGraph: true)[0]!;
        Numerics.AssertClose(expected, actual, 1e-4, 1e-5, "grad qkv");
        // Under createGraph the packed op's backward is differentiable: a second derivative agrees too.
        var v = Tensor.Randn(expected.Shape.ToArray(), gen);
        var second = AutogradEngine.Grad([(expected * v).Sum()], [stored], retainGraph: true)[0]!;
        Numerics.AssertClose(second, AutogradEngine.Grad([(actual * v).Sum()], [stored], retainGraph: true)[0]!, 1e-4, 1e-5, "second-order grad qkv");

        var firstOrder = AutogradEngine.Grad([FusedAttention.ApplyPacked(qkv, h, causal, pad, scale)], [stored], [g])[0]!;
        Numerics.AssertClose(expected, firstOrder, 1e-4, 1e-5, "grad qkv (fused backward)");
    }

    [Fact]
    public void Second_order_gradients_go_through_a_differentiable_backward()
    {
        var gen = new Generator(3);
        var q = Tensor.Randn([1, 2, 4, 4], gen).RequiresGrad_();
        var k = Tensor.Randn([1, 2, 4, 4], gen).RequiresGrad_();
        var v = Tensor.Randn([1, 2, 4, 4], gen).RequiresGrad_();
        Tensor[] SecondOrder(Func<Tensor> attention)
        {
            var loss = (attention() * attention()).Sum();
            var g = AutogradEngine.Grad([loss], [q], createGraph: true)[0]!;
            return [.. AutogradEngine.Grad([g.Square().Sum()], [q, k, v]).Select(t => t!)];
        }
        var fused = SecondOrder(() => F.FusedMultiHeadAttention(q, k, v, isCausal: true));
        var composite = SecondOrder(() => FusedAttention.Composite(q, k, v, true, null, 0.5f));
        for (int i = 0; i < 3; i++) Numerics.AssertClose(composite[i], fused[i], 1e-4, 1e-5, "second-order grad " + "qkv"[i]);
    }

    [Fact]
    public void Sdpa_without_a_mask_takes_the_fused_path_and_agrees_with_the_masked_formula()
    {
        var gen = new Generator(8);
        var q = Tensor.Randn([3, 5, 4], gen);
        var k = Tensor.Randn([3, 6, 4], gen);
        var v = Tensor.Randn([3, 6, 2], gen);
        var fused = F.ScaledDotProductAttention(q, k, v);
        var allTrue = Tensor.FromArray(Enumerable.Repeat(true, 30).ToArray(), 5, 6);
        var composite = F.ScaledDotProductAttention(q, k, v, attnMask: allTrue); // a mask forces the composite path
        Numerics.AssertClose(composite, fused, 1e-5, 1e-6, "sdpa");
    }

    [Fact]
    public void Mismatched_shapes_are_named()
    {
        var e = Assert.Throws<ArgumentException>(() => F.FusedMultiHeadAttention(Tensor.Zeros(1, 2, 3, 4), Tensor.Zeros(1, 2, 3, 5), Tensor.Zeros(1, 2, 3, 4)));
        Assert.Contains("[1, 2, 3, 4]", e.Message);
        Assert.Contains("[1, 2, 3, 5]", e.Message);
    }
}
