using Corvid.Tensors.Kernels;
using static Corvid.Tensors.Tests.Kernels.GemmTests;

namespace Corvid.Tensors.Tests.Kernels;

/// <summary>
/// A column bias (a Linear layer's, <c>C = bias + A·B</c>) written with each tile of C must give exactly what filling C
/// with the bias and accumulating gives (the way F.Linear ran before, whose result the PyTorch fixtures check), on
/// every path: the dot, transposed-dot and row-tile skinny forms, the blocked path with ragged tiles and several k
/// slices, every micro-kernel variant, one and two threads.
/// </summary>
[Collection(ThreadsCollection.Name)]
public class GemmColumnBiasTests
{
    public static IEnumerable<object[]> Shapes() =>
    [
        [3, 40, 33],     // few rows, Linear layout: the dot form
        [40, 8, 20],     // few columns: the transposed-dot form
        [130, 70, 1000], // blocked: ragged rows and columns, k over several slices
        [256, 96, 256],  // blocked: whole tiles in N, ragged in M (256 on 12)
        [12, 33, 0],     // no k: C is the bias
    ];

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Equals_filling_C_with_the_bias_and_accumulating(int m, int n, int k)
    {
        // The Linear layout: B = Wᵀ read in place from a row-major [n, k] weight; C with a gap after each row.
        var a = Random(m * k, 1);
        var w = Random(n * k, 2);
        var bias = Random(n, 3);
        int ldc = n + 3;
        int saved = Threads.Count;
        try
        {
            foreach (int threads in new[] { 1, 2 })
            {
                Threads.Count = threads;
                foreach (var isa in GemmIsaSelection.Supported())
                {
                    var expected = Random(m * ldc, 4);
                    var actual = (float[])expected.Clone();
                    for (int i = 0; i < m; i++) bias.CopyTo(expected.AsSpan(i * ldc, n));
                    Gemm.Multiply(m, n, k, a, k, 1, w, 1, k, expected, ldc, accumulate: true, isa);
                    Gemm.Multiply(m, n, k, a, k, 1, w, 1, k, actual, ldc, accumulate: false, isa, bias);
                    Assert.Equal(expected, actual);
                }
            }
        }
        finally
        {
            Threads.Count = saved;
        }
    }

    [Fact]
    public void Rejects_a_bias_of_the_wrong_length_or_with_accumulate()
    {
        var a = new float[4 * 5];
        var b = new float[5 * 6];
        var c = new float[4 * 6];
        var wrong = Assert.Throws<ArgumentException>(() =>
            Gemm.Multiply(4, 6, 5, a, 5, 1, b, 6, 1, c, 6, accumulate: false, GemmIsaSelection.Best, new float[5]));
        Assert.Contains("column bias has 5 elements, expected n 6", wrong.Message);
        var accumulating = Assert.Throws<ArgumentException>(() =>
            Gemm.Multiply(4, 6, 5, a, 5, 1, b, 6, 1, c, 6, accumulate: true, GemmIsaSelection.Best, new float[6]));
        Assert.Contains("only when overwriting", accumulating.Message);
    }
}
