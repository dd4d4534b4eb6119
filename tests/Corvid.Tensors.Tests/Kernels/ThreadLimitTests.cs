using Corvid.Tensors.Kernels;

namespace Corvid.Tensors.Tests.Kernels;

/// <summary>A thread's own limit (a serving worker's share of the cores) overrides the process-wide count for that thread only.</summary>
[Collection(ThreadsCollection.Name)]
public class ThreadLimitTests
{
    [Fact]
    public void A_limit_applies_to_the_calling_thread_until_disposed()
    {
        int saved = Threads.Count;
        try
        {
            Threads.Count = 2;
            using (Threads.Limit(1))
            {
                Assert.Equal(1, WorkerPool.AvailableThreads);
                using (Threads.Limit(3)) Assert.Equal(3, WorkerPool.AvailableThreads);
                Assert.Equal(1, WorkerPool.AvailableThreads);

                int seenElsewhere = 0;
                var other = new Thread(() => seenElsewhere = WorkerPool.AvailableThreads);
                other.Start();
                other.Join();
                Assert.Equal(2, seenElsewhere);
            }
            Assert.Equal(2, WorkerPool.AvailableThreads);
        }
        finally
        {
            Threads.Count = saved;
        }
    }

    [Fact]
    public void A_limited_thread_computes_the_same_product()
    {
        var gen = new Generator(3);
        var a = Tensor.Randn([256, 256], gen);
        var b = Tensor.Randn([256, 256], gen);
        var full = a.Matmul(b).ToArray();
        using (Threads.Limit(1)) Assert.Equal(full, a.Matmul(b).ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    public void A_limit_below_one_names_the_value(int threads)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Threads.Limit(threads));
        Assert.Contains($"got {threads}", e.Message);
    }
}
