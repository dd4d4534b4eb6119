using Corvid.Tensors.Autograd;

namespace Corvid.Tensors.Tests;

[CollectionDefinition("process-wide thread setting", DisableParallelization = true)]
public sealed class ThreadSettingCollection;

/// <summary>The heavy kernels split work statically and never along a summed dim, so results are bit-identical run to run.</summary>
[Collection("process-wide thread setting")]
public class ThreadDeterminismTests
{
    private static float[][] Step()
    {
        var gen = new Generator(5);
        var x = Tensor.Randn([4, 8, 20, 20], gen);
        var w = Tensor.Randn([16, 8, 3, 3], gen).RequiresGrad_();
        var fc = Tensor.Randn([10, 16 * 10 * 10], gen).RequiresGrad_();
        var h = F.MaxPool2d(F.Conv2d(x, w, null, stride: 1, padding: 1).Relu(), 2).Flatten(1);
        var loss = F.CrossEntropy(h.Matmul(fc.T), Tensor.FromArray(new long[] { 1, 2, 3, 4 }));
        var grads = AutogradEngine.Grad([loss], [w, fc]);
        return [[loss.Item()], grads[0]!.ToArray(), grads[1]!.ToArray()];
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_training_step_is_bit_identical_run_to_run(int threads)
    {
        int saved = Torch.NumThreads;
        try
        {
            Torch.NumThreads = threads;
            var first = Step();
            var second = Step();
            for (int i = 0; i < first.Length; i++) Assert.Equal(first[i], second[i]);
        }
        finally
        {
            Torch.NumThreads = saved;
        }
    }

    [Fact]
    public void The_thread_count_does_not_change_the_result()
    {
        int saved = Torch.NumThreads;
        try
        {
            Torch.NumThreads = 1;
            var single = Step();
            Torch.NumThreads = 2;
            var two = Step();
            for (int i = 0; i < single.Length; i++) Assert.Equal(single[i], two[i]);
        }
        finally
        {
            Torch.NumThreads = saved;
        }
    }

    [Fact]
    public void Num_threads_rejects_zero()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Torch.NumThreads = 0);
    }
}
