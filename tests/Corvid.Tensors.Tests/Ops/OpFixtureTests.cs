using Corvid.Tensors.Autograd;

namespace Corvid.Tensors.Tests.Ops;

/// <summary>Forward values, gradients and second-order gradients of every op against PyTorch.</summary>
public class OpFixtureTests
{
    public static IEnumerable<object[]> Elementwise() => TorchFixtures.Cases("elementwise");
    public static IEnumerable<object[]> Reductions() => TorchFixtures.Cases("reductions");
    public static IEnumerable<object[]> Products() => TorchFixtures.Cases("products");
    public static IEnumerable<object[]> Indexing() => TorchFixtures.Cases("indexing");
    public static IEnumerable<object[]> Convolution() => TorchFixtures.Cases("convolution");
    public static IEnumerable<object[]> Nn() => TorchFixtures.Cases("nn");
    public static IEnumerable<object[]> Inference() => TorchFixtures.Cases("inference");
    public static IEnumerable<object[]> Training() => TorchFixtures.Cases("training");
    public static IEnumerable<object[]> Linear() => TorchFixtures.Cases("linear");

    [Theory, MemberData(nameof(Elementwise))] public void Elementwise_matches_torch(string name) => Check("elementwise", name);
    [Theory, MemberData(nameof(Reductions))] public void Reductions_match_torch(string name) => Check("reductions", name);
    [Theory, MemberData(nameof(Products))] public void Products_match_torch(string name) => Check("products", name);
    [Theory, MemberData(nameof(Indexing))] public void Indexing_matches_torch(string name) => Check("indexing", name);
    [Theory, MemberData(nameof(Convolution))] public void Convolution_matches_torch(string name) => Check("convolution", name);
    [Theory, MemberData(nameof(Nn))] public void Nn_functions_match_torch(string name) => Check("nn", name);
    [Theory, MemberData(nameof(Inference))] public void Inference_ops_match_torch(string name) => Check("inference", name);
    [Theory, MemberData(nameof(Training))] public void Training_path_ops_match_torch(string name) => Check("training", name);
    [Theory, MemberData(nameof(Linear))] public void Fused_linear_matches_torch(string name) => Check("linear", name);

    private static void Check(string group, string name)
    {
        var c = TorchFixtures.Case(group, name);
        var grads = c.RequiresGrad;
        var leaves = new Dictionary<string, Tensor>();
        var viewed = new Dictionary<string, Tensor>();
        foreach (var input in c.Inputs)
        {
            // Each case gets its own copy, so no test can disturb another's inputs.
            var leaf = c.Get($"in.{input}").Clone();
            if (grads.Contains(input)) leaf.RequiresGrad = true;
            leaves[input] = leaf;
            viewed[input] = c.ApplyViews(input, leaf);
        }

        var outputs = OpRegistry.Ops[c.Op](viewed, c.Params);
        Assert.Equal(c.Outputs, outputs.Length);
        var differentiable = new List<Tensor>();
        var upstream = new List<Tensor>();
        for (int i = 0; i < outputs.Length; i++)
        {
            Numerics.AssertClose(c.Get($"out.{i}"), outputs[i], c.Rtol, c.Atol, $"{name} output {i}");
            if (c.Find($"gout.{i}") is { } gout)
            {
                Assert.True(outputs[i].RequiresGrad, $"{name} output {i} should require grad");
                differentiable.Add(outputs[i]);
                upstream.Add(gout);
            }
        }
        if (differentiable.Count == 0 || grads.Count == 0) return;

        var names = c.Inputs.Where(grads.Contains).ToList();
        var computed = AutogradEngine.Grad(differentiable, names.Select(n => leaves[n]).ToList(), upstream, createGraph: c.Second, allowUnused: true);
        for (int i = 0; i < names.Count; i++)
        {
            var expected = c.Find($"grad.{names[i]}");
            if (expected is null)
            {
                Assert.True(computed[i] is null || computed[i]!.ToArray().All(v => v == 0), $"{name}: torch gives no gradient for {names[i]}");
                continue;
            }
            Assert.NotNull(computed[i]);
            Numerics.AssertClose(expected, computed[i]!, c.Rtol, c.Atol, $"{name} grad {names[i]}");
        }
        if (!c.Second) return;

        Tensor? total = null;
        for (int i = 0; i < names.Count; i++)
        {
            if (c.Find($"v.{names[i]}") is not { } v || computed[i] is not { RequiresGrad: true } g) continue;
            var term = (g * v).Sum();
            total = total is null ? term : total + term;
        }
        var expectedSecond = names.Select(n => c.Find($"grad2.{n}")).ToList();
        if (total is null)
        {
            Assert.All(expectedSecond, e => Assert.True(e is null || e.ToArray().All(v => v == 0), $"{name}: torch has a second-order gradient, Corvid's first-order gradient is not differentiable"));
            return;
        }
        var second = AutogradEngine.Grad([total], names.Select(n => leaves[n]).ToList(), allowUnused: true);
        for (int i = 0; i < names.Count; i++)
        {
            if (expectedSecond[i] is { } e2)
            {
                Assert.True(second[i] is not null, $"{name}: missing second-order gradient for {names[i]}");
                Numerics.AssertClose(e2, second[i]!, c.Rtol * 10, c.Atol * 10, $"{name} second-order grad {names[i]}");
            }
            else
            {
                Assert.True(second[i] is null || second[i]!.ToArray().All(v => v == 0), $"{name}: torch gives no second-order gradient for {names[i]}");
            }
        }
    }
}
