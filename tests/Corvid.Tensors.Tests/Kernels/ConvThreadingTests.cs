using Corvid.Tensors.Kernels;

namespace Corvid.Tensors.Tests.Kernels;

[Collection(ThreadsCollection.Name)]
public class ConvThreadingTests
{
    public static IEnumerable<object[]> Geometries() =>
    [
        // Whole images per thread (batch 4), products split across threads (batch 1), and depthwise.
        [new Conv2dGeometry(4, 16, 20, 20, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1)],
        [new Conv2dGeometry(1, 32, 24, 24, 40, 3, 3, 2, 2, 1, 1, 1, 1, 1)],
        [new Conv2dGeometry(3, 24, 30, 30, 24, 7, 7, 1, 1, 3, 3, 1, 1, 24)],
        // Winograd with few tiles (49): two blocks of one sliver each, the second ragged.
        [new Conv2dGeometry(1, 32, 14, 14, 48, 3, 3, 1, 1, 1, 1, 1, 1, 1)],
        // Winograd with a tail of 10 tiles (42 = 32 + 10) on the 16-wide kernels, 5 A slivers (an odd count: one
        // pair fewer per thread when the output channels split).
        [new Conv2dGeometry(1, 32, 14, 12, 60, 3, 3, 1, 1, 1, 1, 1, 1, 1)],
    ];

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Every_pass_is_bit_identical_for_any_thread_count(Conv2dGeometry g)
    {
        var x = GemmTests.Random((int)g.InputLength, 1);
        var w = GemmTests.Random((int)g.WeightLength, 2);
        var b = GemmTests.Random(g.OutChannels, 3);
        var dy = GemmTests.Random((int)g.OutputLength, 4);
        (float[] Y, float[] Dx, float[] Dw) Run(int threads)
        {
            Threads.Count = threads;
            var y = new float[g.OutputLength];
            var dx = new float[g.InputLength];
            var dw = new float[g.WeightLength];
            Conv2d.Forward(g, x, w, b, y);
            Conv2d.BackwardInput(g, dy, w, dx);
            Conv2d.BackwardWeight(g, dy, x, dw);
            return (y, dx, dw);
        }
        int saved = Threads.Count;
        try
        {
            var one = Run(1);
            foreach (int threads in new[] { 1, 2, 3 })
            {
                var other = Run(threads);
                Assert.Equal(one.Y, other.Y);
                Assert.Equal(one.Dx, other.Dx);
                Assert.Equal(one.Dw, other.Dw);
            }
        }
        finally
        {
            Threads.Count = saved;
        }
    }

    [Fact]
    public void Cached_winograd_with_one_block_of_tiles_is_bit_identical_for_any_thread_count()
    {
        // 16 tiles make one block: with a cached filter the threads split the output channels (13 of them in
        // A slivers of 12 rows: 148 channels, the last sliver ragged) and each repeats the input transform.
        var g = new Conv2dGeometry(1, 32, 7, 7, 148, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        var x = GemmTests.Random((int)g.InputLength, 1);
        var w = GemmTests.Random((int)g.WeightLength, 2);
        var b = GemmTests.Random(g.OutChannels, 3);
        var key = new ConvWeightKey(w, 0, 0);
        float[] Run(int threads)
        {
            Threads.Count = threads;
            var y = new float[g.OutputLength];
            Conv2d.Forward(g, x, w, b, y, key);
            return y;
        }
        int saved = Threads.Count;
        try
        {
            var one = Run(1);
            var uncached = new float[g.OutputLength];
            Conv2d.Forward(g, x, w, b, uncached);
            Assert.Equal(one.Length, uncached.Length);
            for (int i = 0; i < one.Length; i++)
                Assert.True(Math.Abs(one[i] - uncached[i]) <= 1e-3f * (1 + Math.Abs(uncached[i])), $"output {i}: Winograd {one[i]}, implicit GEMM {uncached[i]}");
            foreach (int threads in new[] { 2, 3 })
                Assert.Equal(one, Run(threads));
        }
        finally
        {
            Threads.Count = saved;
        }
    }
}
