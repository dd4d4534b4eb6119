using Corvid.Tensors.Autograd;

namespace Corvid.Tensors.Tests.Ops;

/// <summary>
/// The training path's kernels (block sums, fused batch norm and layer norm, GELU, relu backward, thread-split
/// elementwise and broadcast ops, strided copies) on inputs large enough to be split between threads, against one thread: the PyTorch
/// fixtures check them on sizes that run in one piece.
/// </summary>
[Collection("process-wide thread setting")]
public class TrainingPathTests
{
    [Fact]
    public void Splitting_over_threads_gives_bit_identical_results()
    {
        var gen = new Generator(11);
        var image = Tensor.Randn([8, 16, 24, 24], gen);     // 73,728 values: above every kernel's threshold
        var rows = Tensor.Randn([300, 259], gen);
        var weight = Tensor.Randn([16], gen);
        var bias = Tensor.Randn([16], gen);
        var lnWeight = Tensor.Randn([259], gen);
        var lnBias = Tensor.Randn([259], gen);
        var imageGrad = Tensor.Randn([8, 16, 24, 24], gen);
        var rowsGrad = Tensor.Randn([300, 259], gen);

        float[][] Run()
        {
            var results = new List<float[]>();
            using (GradMode.NoGrad())
            {
                results.Add(image.Sum([0, 2, 3]).ToArray());
                results.Add(rows.Mean([0]).ToArray());
                results.Add((image * imageGrad).ToArray());
                results.Add((image + 0.5f).ToArray());
                results.Add((image * weight.Reshape(1, 16, 1, 1) + bias.Reshape(1, 16, 1, 1)).ToArray()); // broadcast rows
                results.Add((rows + lnBias).ToArray());
                results.Add(image.Exp().ToArray());
                results.Add(image.Tanh().ToArray());
                results.Add(image.Sigmoid().ToArray());
                results.Add(image.Erf().ToArray());
                results.Add(image.Permute(0, 2, 1, 3).Contiguous().ToArray()); // head-style permute: short contiguous rows
                results.Add(rows.T.Contiguous().ToArray());                     // transpose: strided gather
                results.Add(weight.Reshape(1, 16, 1, 1).Expand(8, 16, 24, 24).Contiguous().ToArray());
            }
            var x = image.Clone().RequiresGrad_();
            var w = weight.Clone().RequiresGrad_();
            var b = bias.Clone().RequiresGrad_();
            var bn = F.BatchNorm(x, null, null, w, b, training: true);
            results.Add(bn.ToArray());
            results.AddRange(AutogradEngine.Grad([bn], [x, w, b], [imageGrad]).Select(g => g!.ToArray()));

            var r = rows.Clone().RequiresGrad_();
            var lw = lnWeight.Clone().RequiresGrad_();
            var lb = lnBias.Clone().RequiresGrad_();
            var ln = F.LayerNorm(r, [259], lw, lb);
            results.Add(ln.ToArray());
            results.AddRange(AutogradEngine.Grad([ln], [r, lw, lb], [rowsGrad]).Select(g => g!.ToArray()));

            var gelu = F.Gelu(r);
            results.Add(gelu.ToArray());
            results.Add(AutogradEngine.Grad([gelu], [r], [rowsGrad])[0]!.ToArray());
            var relu = r.Relu();
            results.Add(AutogradEngine.Grad([relu], [r], [rowsGrad])[0]!.ToArray());
            return [.. results];
        }

        int saved = Torch.NumThreads;
        try
        {
            Torch.NumThreads = 1;
            var single = Run();
            Torch.NumThreads = 2;
            var dual = Run();
            Assert.Equal(single.Length, dual.Length);
            for (int i = 0; i < single.Length; i++) Assert.Equal(single[i], dual[i]);
        }
        finally
        {
            Torch.NumThreads = saved;
        }
    }

    [Fact]
    public void Batch_norm_training_gradient_under_create_graph_equals_the_fused_one()
    {
        // The two backward forms (fused kernel; differentiable ops for higher order) must be the same function.
        var gen = new Generator(12);
        var x = (Tensor.Randn([6, 5, 7, 9], gen) * 2f + 1f).RequiresGrad_();
        var w = Tensor.Randn([5], gen).RequiresGrad_();
        var b = Tensor.Randn([5], gen).RequiresGrad_();
        var g = Tensor.Randn([6, 5, 7, 9], gen);
        var fused = AutogradEngine.Grad([F.BatchNorm(x, null, null, w, b, training: true)], [x, w, b], [g]);
        var ops = AutogradEngine.Grad([F.BatchNorm(x, null, null, w, b, training: true)], [x, w, b], [g], createGraph: true);
        for (int i = 0; i < 3; i++) Numerics.AssertClose(fused[i]!.Detach(), ops[i]!.Detach(), 1e-4, 1e-5, $"gradient {i}");
    }

    [Fact]
    public void Batch_norm_training_rejects_a_weight_of_the_wrong_size()
    {
        var x = Tensor.Randn([4, 3, 2, 2], new Generator(1));
        var e = Assert.Throws<ArgumentException>(() => F.BatchNorm(x, null, null, Tensor.Ones([4]), null, training: true));
        Assert.Contains("weight has 4 elements", e.Message);
        Assert.Contains("3 channels", e.Message);
    }
}
