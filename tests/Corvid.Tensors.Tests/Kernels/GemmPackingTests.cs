using Corvid.Tensors.Kernels;
using static Corvid.Tensors.Tests.Kernels.GemmTests;

namespace Corvid.Tensors.Tests.Kernels;

/// <summary>
/// The packing paths the GPT step's products take (a transposed A dealt run by run into slivers, a row-major A
/// transposed 8 x 8 then 4 x 4, short runs copied with vector moves), on shapes with several blocks of A, k
/// slices and ragged edges in M, N and K, against the double-precision reference (the shapes are among
/// <see cref="GemmTests.Shapes"/>; here, what depends on the thread count).
/// </summary>
[Collection(ThreadsCollection.Name)]
public class GemmPackingTests
{
    [Fact]
    public void Weight_gradient_layout_is_bit_identical_for_any_thread_count()
    {
        // dW = dYᵀ·X: A is a transposed view (aRow 1), K long enough for several k slices.
        const int m = 300, n = 257, k = 800;
        var dy = Random(k * m, 14);
        var x = Random(k * n, 15);
        int saved = Threads.Count;
        try
        {
            float[] Run(int threads)
            {
                Threads.Count = threads;
                var c = new float[m * n];
                Gemm.Multiply(m, n, k, dy, 1, m, x, n, 1, c, n, accumulate: false);
                return c;
            }
            var one = Run(1);
            Assert.Equal(one, Run(2));
            Assert.Equal(one, Run(3));
        }
        finally
        {
            Threads.Count = saved;
        }
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void Packed_path_for_head_wide_products_matches_the_reference(bool transposedA, bool accumulate)
    {
        // Fused attention's P·V (A a block of probabilities, B a head of V with rows 256 apart) and Pᵀ·dO.
        const int m = 128, n = 32, k = 128, ld = 256;
        var p = Random(m * k, 16);
        var v = Random((k - 1) * ld + n, 17);
        var start = Random((m - 1) * ld + n, 18);
        int aRow = transposedA ? 1 : k, aCol = transposedA ? m : 1;
        var expected = (float[])start.Clone();
        Gemm.ReferenceMultiply(m, n, k, p, aRow, aCol, v, ld, 1, expected, ld, accumulate);
        var actual = (float[])start.Clone();
        GemmBlocked.Multiply(m, n, k, p, aRow, aCol, v, ld, 1, actual, ld, accumulate);
        Close.All(expected, actual, what: $"transposedA={transposedA} accumulate={accumulate}");
    }

    [Fact]
    public void Packed_path_rejects_operands_its_strides_overrun()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            GemmBlocked.Multiply(16, 32, 8, new float[16 * 8 - 1], 8, 1, new float[8 * 32], 32, 1, new float[16 * 32], 32, false));
        Assert.Contains("16x32x8", ex.Message);
    }
}
