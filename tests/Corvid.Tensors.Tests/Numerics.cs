namespace Corvid.Tensors.Tests;

internal static class Numerics
{
    /// <summary>Same shape, dtype and values within <c>atol + rtol·|expected|</c> (NaN matches NaN, infinities match exactly).</summary>
    public static void AssertClose(Tensor expected, Tensor actual, double rtol = 1e-5, double atol = 1e-6, string what = "")
    {
        Assert.True(expected.Shape.SequenceEqual(actual.Shape),
            $"{what}: shape {Format(actual.Shape)} differs from the expected {Format(expected.Shape)}");
        Assert.True(expected.DType == actual.DType, $"{what}: dtype {actual.DType} differs from the expected {expected.DType}");
        if (expected.DType == DType.Int64)
        {
            Assert.Equal(expected.ToLongArray(), actual.ToLongArray());
            return;
        }
        if (expected.DType == DType.Bool)
        {
            Assert.Equal(expected.ToBoolArray(), actual.ToBoolArray());
            return;
        }
        var e = expected.ToArray();
        var a = actual.ToArray();
        for (int i = 0; i < e.Length; i++)
        {
            if (float.IsNaN(e[i]) && float.IsNaN(a[i])) continue;
            if (float.IsInfinity(e[i]) && e[i] == a[i]) continue;
            double error = Math.Abs((double)a[i] - e[i]);
            double tolerance = atol + rtol * Math.Abs(e[i]);
            if (!(error <= tolerance))
                Assert.Fail($"{what}[{i}] of shape {Format(expected.Shape)}: expected {e[i]:R}, got {a[i]:R} (error {error:E2} > {tolerance:E2})");
        }
    }

    private static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";
}
