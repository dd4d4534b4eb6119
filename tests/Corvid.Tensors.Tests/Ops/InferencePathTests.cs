using Corvid.Tensors.Autograd;

namespace Corvid.Tensors.Tests.Ops;

/// <summary>
/// The paths ops take when no gradient is recorded (max pool without indices, eval batch norm's fused
/// pass) against the same PyTorch fixtures the recorded paths are checked with; the threaded split
/// against one thread; and the rules of the in-place ops.
/// </summary>
[Collection("process-wide thread setting")]
public class InferencePathTests
{
    public static IEnumerable<object[]> NoGradCases() =>
        new[] { "convolution", "nn", "inference" }
            .SelectMany(group => TorchFixtures.Cases(group).Select(c => (group, name: (string)c[0])))
            .Where(c => TorchFixtures.Case(c.group, c.name).Op is "max_pool2d" or "avg_pool2d" or "batch_norm_eval" or "add_relu")
            .Select(c => new object[] { c.group, c.name });

    [Theory, MemberData(nameof(NoGradCases))]
    public void Without_a_recorded_gradient_the_fast_path_matches_torch(string group, string name)
    {
        var c = TorchFixtures.Case(group, name);
        var inputs = c.Inputs.ToDictionary(i => i, i => c.ApplyViews(i, c.Get($"in.{i}").Clone()));
        Tensor output;
        using (GradMode.NoGrad()) output = OpRegistry.Ops[c.Op](inputs, c.Params)[0];
        Assert.False(output.RequiresGrad);
        Numerics.AssertClose(c.Get("out.0"), output, c.Rtol, c.Atol, $"{name} (no grad)");
    }

    [Fact]
    public void Max_pool_without_indices_gives_the_values_of_the_indexed_pool()
    {
        var x = Tensor.Randn([3, 16, 57, 61], new Generator(1)); // odd sizes: vector tails and a partial last window
        var (values, indices) = F.MaxPool2dWithIndices(x, (3, 3), (2, 2), (1, 1));
        Tensor fast;
        using (GradMode.NoGrad()) fast = F.MaxPool2d(x, 3, 2, 1);
        Assert.Equal(values.ToArray(), fast.ToArray());
        // The indices name the chosen input: gathering x at them gives the values again.
        Assert.Equal(values.ToArray(), x.Reshape(3, 16, -1).Gather(2, indices.Reshape(3, 16, -1)).ToArray());
    }

    [Fact]
    public void Splitting_over_threads_gives_bit_identical_results()
    {
        var gen = new Generator(3);
        var x = Tensor.Randn([2, 32, 56, 56], gen);
        var mean = Tensor.Randn([32], gen);
        var variance = Tensor.Rand([32], gen) + 0.5f;
        var weight = Tensor.Randn([32], gen);
        var bias = Tensor.Randn([32], gen);
        var other = Tensor.Randn([2, 32, 56, 56], gen);
        var upstream = Tensor.Randn([2, 32, 28, 28], gen);

        float[][] Run()
        {
            using var _ = GradMode.NoGrad();
            var pooled = F.MaxPool2d(x, 3, 2, 1);
            var normed = F.BatchNorm(x, mean, variance, weight, bias, training: false);
            var summed = F.AddRelu(x, other);
            using var grad = GradMode.EnableGrad();
            var leaf = x.Clone().RequiresGrad_();
            var backward = AutogradEngine.Grad([F.MaxPool2d(leaf, 3, 2, 1)], [leaf], [upstream])[0]!;
            return [pooled.ToArray(), normed.ToArray(), summed.ToArray(), backward.ToArray()];
        }

        int saved = Torch.NumThreads;
        try
        {
            Torch.NumThreads = 1;
            var single = Run();
            Torch.NumThreads = 2;
            var dual = Run();
            for (int i = 0; i < single.Length; i++) Assert.Equal(single[i], dual[i]);
        }
        finally
        {
            Torch.NumThreads = saved;
        }
    }

    [Fact]
    public void Eval_batch_norm_agrees_with_its_definition_on_a_large_input()
    {
        var gen = new Generator(4);
        var x = Tensor.Randn([2, 24, 33, 35], gen) * 3f + 1f;
        var mean = Tensor.Randn([24], gen);
        var variance = Tensor.Rand([24], gen) + 0.2f;
        var weight = Tensor.Randn([24], gen);
        var bias = Tensor.Randn([24], gen);
        Tensor fused;
        using (GradMode.NoGrad()) fused = F.BatchNorm(x, mean, variance, weight, bias, training: false, eps: 1e-5f);
        int[] stat = [1, 24, 1, 1];
        var definition = (x - mean.Reshape(stat)) / (variance.Reshape(stat) + 1e-5f).Sqrt() * weight.Reshape(stat) + bias.Reshape(stat);
        Numerics.AssertClose(definition, fused, 1e-5, 1e-5, "eval batch norm");
    }

    [Fact]
    public void Eval_batch_norm_names_a_statistic_of_the_wrong_size()
    {
        var error = Assert.Throws<ArgumentException>(() => F.BatchNorm(Tensor.Zeros(2, 3, 4, 4), Tensor.Zeros(4), Tensor.Ones(3), training: false));
        Assert.Contains("running_mean has 4 values", error.Message);
        Assert.Contains("3 channels", error.Message);
    }

    [Fact]
    public void In_place_relu_writes_the_tensor_and_bumps_its_version()
    {
        var x = Tensor.FromArray([-1f, 2f, float.NaN, -0.5f, 3f], 5);
        int before = x.Version;
        Assert.Same(x, F.Relu_(x));
        var values = x.ToArray();
        Assert.Equal([0f, 2f], values[..2]);
        Assert.True(float.IsNaN(values[2]), "relu keeps NaN, as PyTorch");
        Assert.Equal([0f, 3f], values[3..]);
        Assert.True(x.Version > before);

        var a = Tensor.FromArray([1f, -4f, 2f], 3);
        F.AddRelu_(a, Tensor.FromArray([-3f, 5f, 1f], 3));
        Assert.Equal([0f, 1f, 3f], a.ToArray());
    }

    [Fact]
    public void In_place_ops_refuse_tensors_that_record_gradients()
    {
        var leaf = Tensor.Randn(4).RequiresGrad_();
        var error = Assert.Throws<InvalidOperationException>(() => F.Relu_(leaf));
        Assert.Contains("relu_", error.Message);
        Assert.Throws<InvalidOperationException>(() => F.AddRelu_(Tensor.Randn(4), leaf));
        // Under no-grad the same call is allowed.
        using (GradMode.NoGrad()) F.Relu_(leaf.Detach());
        var shapes = Assert.Throws<ArgumentException>(() => F.AddRelu(Tensor.Zeros(2, 3), Tensor.Zeros(3, 2)));
        Assert.Contains("[2, 3]", shapes.Message);
    }
}
