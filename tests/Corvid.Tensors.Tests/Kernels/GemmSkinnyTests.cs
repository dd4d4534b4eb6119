using Corvid.Tensors.Kernels;
using static Corvid.Tensors.Tests.Kernels.GemmTests;

namespace Corvid.Tensors.Tests.Kernels;

/// <summary>
/// The skinny path for <c>x · W</c> (few rows of A, rows of B contiguous: <see cref="GemmSkinnyRows"/>) against the
/// double-precision reference: every row count of a register tile and its groups, column counts that leave partial
/// strips and a scalar tail, k across several blocks (of 8 rows of B up to 8 rows of A, 16 above), A in every layout,
/// accumulate and overwrite, a row bias, and the most rows the path takes.
/// </summary>
[Collection(ThreadsCollection.Name)]
public class GemmSkinnyTests
{
    public static IEnumerable<object[]> Shapes()
    {
        // (n, k): one column; a vector and a tail within one block of k; strips, a one-vector strip and a
        // tail over three blocks of k with a partial last one; k one short of two whole blocks; fewer columns than
        // a strip (with A row-major and more than 4 rows, the transposed dot form's instead).
        (int N, int K)[] columns = [(1, 3), (47, 16), (161, 37), (100, 31), (24, 40)];
        foreach (int m in Enumerable.Range(1, 17).Append(24).Append(32).Append(GemmSkinny.MaxRowsOfB))
            foreach (var (n, k) in columns)
                yield return [m, n, k];
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_the_reference_for_every_row_count_and_ragged_edge(int m, int n, int k)
    {
        // Rows of B contiguous, with a gap between them (a slice of a wider weight).
        int bRow = n + 3;
        var b = Random(k * bRow, 2);
        int ldc = n + 5;
        var start = Random(m * ldc, 3);
        foreach (Layout aLayout in Enum.GetValues<Layout>())
        {
            var (a, aRow, aCol) = Operand(m, k, aLayout, 1);
            foreach (bool accumulate in new[] { false, true })
            {
                var expected = (float[])start.Clone();
                Gemm.ReferenceMultiply(m, n, k, a, aRow, aCol, b, bRow, 1, expected, ldc, accumulate);
                foreach (var isa in GemmIsaSelection.Supported())
                {
                    var actual = (float[])start.Clone();
                    if (!accumulate)
                        for (int i = 0; i < m; i++) actual.AsSpan(i * ldc, n).Fill(float.NaN); // overwritten, never read
                    Gemm.Multiply(m, n, k, a, aRow, aCol, b, bRow, 1, actual, ldc, accumulate, isa);
                    string what = $"{isa} {m}x{n}x{k} A {aLayout} accumulate={accumulate}";
                    Close.All(expected, actual, what: what);
                    // The gap between rows of C is never touched.
                    for (int i = 0; i < m; i++)
                        Assert.True(start.AsSpan(i * ldc + n, ldc - n).SequenceEqual(actual.AsSpan(i * ldc + n, ldc - n)), $"{what}: row {i} padding changed");
                }
            }
        }
    }

    [Theory]
    [InlineData(1, 50, 40)]
    [InlineData(5, 161, 37)]
    [InlineData(13, 100, 16)]
    [InlineData(32, 33, 70)]
    [InlineData(40, 65, 20)]
    public void A_row_bias_is_added_to_each_row_when_overwriting(int m, int n, int k)
    {
        // The pointwise convolution's form: each row of C (an output channel) starts from its bias.
        var a = Random(m * k, 1);
        var b = Random(k * n, 2);
        var bias = Random(m, 4);
        var expected = new float[m * n];
        Gemm.ReferenceMultiply(m, n, k, a, k, 1, b, n, 1, expected, n, accumulate: false);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) expected[i * n + j] = (float)((double)expected[i * n + j] + bias[i]);
        foreach (var isa in GemmIsaSelection.Supported())
        {
            var actual = new float[m * n];
            RunWithBias(m, n, k, a, b, bias, actual, isa);
            Close.All(expected, actual, what: $"{isa} {m}x{n}x{k} with row bias");
        }
    }

    static unsafe void RunWithBias(int m, int n, int k, float[] a, float[] b, float[] bias, float[] c, GemmIsa isa)
    {
        fixed (float* pa = a, pb = b, pc = c, pbias = bias)
        {
            var op = new GemmOperands
            {
                M = m, N = n, K = k,
                A = pa, ARow = k, ACol = 1,
                B = pb, BRow = n, BCol = 1,
                C = pc, Ldc = n, RowBias = pbias,
            };
            Gemm.Run(op, isa);
        }
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(4, true)]
    [InlineData(11, false)]
    [InlineData(16, true)]
    [InlineData(32, false)]
    public void Results_are_bit_identical_for_one_two_and_three_threads(int m, bool accumulate)
    {
        // Ragged column count (not a whole number of vectors or strips) and several blocks of k, large enough
        // that each thread count really splits the columns.
        const int n = 3001, k = 100;
        var a = Random(m * k, 5);
        var b = Random(k * n, 6);
        var start = Random(m * n, 7);
        int saved = Threads.Count;
        try
        {
            float[] Run(int threads)
            {
                Threads.Count = threads;
                var c = (float[])start.Clone();
                Gemm.Multiply(m, n, k, a, k, 1, b, n, 1, c, n, accumulate);
                return c;
            }
            var one = Run(1);
            Assert.Equal(one, Run(2));
            Assert.Equal(one, Run(3));
            var expected = (float[])start.Clone();
            Gemm.ReferenceMultiply(m, n, k, a, k, 1, b, n, 1, expected, n, accumulate);
            Close.All(expected, one, what: $"{m}x{n}x{k}");
        }
        finally
        {
            Threads.Count = saved;
        }
    }
}
