using Corvid.Tensors.Kernels;

namespace Corvid.Tensors.Tests.Kernels;

[Collection(ThreadsCollection.Name)]
public class GemmTests
{
    internal static float[] Random(int length, int seed)
    {
        var random = new Random(seed);
        var data = new float[length];
        for (int i = 0; i < length; i++) data[i] = (float)(random.NextDouble() * 2 - 1);
        return data;
    }

    /// <summary>An m x k (or k x n) operand in one of the layouts the engine hands the kernel.</summary>
    public enum Layout { RowMajor, Transposed, Strided }

    internal static (float[] Data, int Row, int Col) Operand(int rows, int cols, Layout layout, int seed) => layout switch
    {
        Layout.RowMajor => (Random(rows * cols, seed), cols, 1),
        Layout.Transposed => (Random(rows * cols, seed), 1, rows),
        // Every other element of a row-major buffer twice as wide, as a strided slice view gives.
        _ => (Random(rows * cols * 2, seed), cols * 2, 2),
    };

    public static IEnumerable<object[]> Shapes()
    {
        int[][] shapes =
        [
            [1, 1, 1], [5, 7, 3], [13, 33, 17], [12, 32, 256], [37, 65, 300], [150, 70, 40], [30, 2100, 9],
            // Skinny: few rows, few columns, each with every tail of the vector loops.
            [1, 100, 37], [2, 77, 64], [3, 130, 20], [4, 64, 300], [1, 5, 1000], [100, 1, 37], [77, 3, 50], [4, 4, 4], [5, 200, 16],
            // Dot form up to 32 rows (or columns), B read in place up to 48 rows.
            [20, 70, 301], [32, 45, 37], [33, 50, 40], [48, 97, 20], [300, 20, 50], [64, 31, 70],
            // The packing paths of the GPT step's products: m over several Mc blocks with a ragged last sliver
            // (300 = 25·12; 301, 259 ragged for every Mr), k over several k slices with a tail that is not a multiple
            // of 8 or 4, n with a ragged last sliver.
            [301, 70, 803], [259, 96, 390], [300, 33, 17], [150, 64, 7],
        ];
        foreach (var s in shapes)
            foreach (Layout la in Enum.GetValues<Layout>())
                foreach (Layout lb in Enum.GetValues<Layout>())
                    yield return [s[0], s[1], s[2], la, lb];
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Every_kernel_variant_matches_the_reference(int m, int n, int k, Layout aLayout, Layout bLayout)
    {
        var (a, aRow, aCol) = Operand(m, k, aLayout, 1);
        var (b, bRow, bCol) = Operand(k, n, bLayout, 2);
        int ldc = n + 3;
        var start = Random(m * ldc, 3);
        foreach (bool accumulate in new[] { false, true })
        {
            var expected = (float[])start.Clone();
            Gemm.ReferenceMultiply(m, n, k, a, aRow, aCol, b, bRow, bCol, expected, ldc, accumulate);
            foreach (var isa in GemmIsaSelection.Supported())
            {
                var actual = (float[])start.Clone();
                if (!accumulate)
                    for (int i = 0; i < m; i++) actual.AsSpan(i * ldc, n).Fill(float.NaN); // overwritten, never read
                Gemm.Multiply(m, n, k, a, aRow, aCol, b, bRow, bCol, actual, ldc, accumulate, isa);
                Close.All(expected, actual, what: $"{isa} {m}x{n}x{k} {aLayout}/{bLayout} accumulate={accumulate}");
                // The padding between rows of C is never touched.
                for (int i = 0; i < m; i++) Assert.Equal(start.AsSpan(i * ldc + n, 3).ToArray(), actual.AsSpan(i * ldc + n, 3).ToArray());
            }
        }
    }

    [Fact]
    public void Empty_k_overwrites_with_zeros_or_leaves_c_alone()
    {
        var c = new float[] { 1, 2, 3, 4 };
        Gemm.Multiply(2, 2, 0, [], 0, 1, [], 2, 1, c, 2, accumulate: true);
        Assert.Equal(new float[] { 1, 2, 3, 4 }, c);
        Gemm.Multiply(2, 2, 0, [], 0, 1, [], 2, 1, c, 2, accumulate: false);
        Assert.Equal(new float[4], c);
    }

    [Fact]
    public void Results_are_bit_identical_for_any_thread_count()
    {
        // Big enough that the blocked and skinny paths both split across threads.
        (int M, int N, int K)[] shapes = [(300, 257, 200), (2, 3000, 400), (3000, 3, 400)];
        int saved = Threads.Count;
        try
        {
            foreach (var (m, n, k) in shapes)
            {
                var a = Random(m * k, 4);
                var b = Random(k * n, 5);
                float[] Run(int threads)
                {
                    Threads.Count = threads;
                    var c = new float[m * n];
                    Gemm.Multiply(m, n, k, a, k, 1, b, n, 1, c, n, accumulate: false);
                    return c;
                }
                var one = Run(1);
                Assert.Equal(one, Run(1));
                Assert.Equal(one, Run(2));
                Assert.Equal(one, Run(3));
            }
        }
        finally
        {
            Threads.Count = saved;
        }
    }

    [Theory]
    [InlineData(5, 1, 1)]
    [InlineData(5, 8, 1)]
    [InlineData(1, 8, 8)]
    [InlineData(3, 0, 8)]
    public void Batched_matches_one_reference_product_per_item(int batch, int threads, int aBatchSpread)
    {
        const int m = 20, n = 45, k = 33;
        // aBatchSpread 0 broadcasts A across the batch; B is transposed per item.
        long aStride = aBatchSpread == 0 ? 0 : m * k + aBatchSpread, bStride = n * k, cStride = m * n + 7;
        var a = Random((int)(aStride * Math.Max(batch - 1, 0) + m * k), 6);
        var b = Random(n * k * batch, 7);
        var expected = Random((int)(cStride * batch), 8);
        var actual = (float[])expected.Clone();
        for (int t = 0; t < batch; t++)
            Gemm.ReferenceMultiply(m, n, k, a.AsSpan((int)(t * aStride)), k, 1, b.AsSpan((int)(t * bStride)), 1, k,
                expected.AsSpan((int)(t * cStride)), n, accumulate: true);
        int saved = Threads.Count;
        try
        {
            Threads.Count = threads == 0 ? saved : threads;
            Gemm.MultiplyBatched(batch, m, n, k, a, aStride, k, 1, b, bStride, 1, k, actual, cStride, n, accumulate: true);
        }
        finally
        {
            Threads.Count = saved;
        }
        Close.All(expected, actual, what: $"batch {batch}");
    }

    [Fact]
    public void Operand_too_short_for_its_strides_names_operand_and_reach()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            Gemm.Multiply(3, 4, 5, new float[14], 5, 1, new float[20], 4, 1, new float[12], 4, false));
        Assert.Contains("A of 3x5", ex.Message);
        Assert.Contains("reaches element 14", ex.Message);
    }

    [Fact]
    public void Ldc_smaller_than_n_is_rejected()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            Gemm.Multiply(2, 4, 2, new float[4], 2, 1, new float[8], 4, 1, new float[8], 3, false));
        Assert.Contains("ldc 3 is less than n 4", ex.Message);
    }

    [Fact]
    public void Overlapping_batched_outputs_are_rejected()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            Gemm.MultiplyBatched(2, 2, 2, 2, new float[8], 4, 2, 1, new float[8], 4, 2, 1, new float[8], 3, 2, false));
        Assert.Contains("overlap", ex.Message);
    }

    [Fact]
    public void Thread_count_below_one_is_rejected()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Threads.Count = 0);
        Assert.Contains("got 0", ex.Message);
    }
}
