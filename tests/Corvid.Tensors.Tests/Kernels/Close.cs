namespace Corvid.Tensors.Tests.Kernels;

/// <summary>Float32 comparison against a reference tensor.</summary>
internal static class Close
{
    /// <summary>
    /// Asserts <c>|actual − expected| ≤ rtol · (|expected| + rms(expected))</c> element by element.
    /// The rms term keeps the bound relative to the tensor's scale where a sum cancels to near zero,
    /// which a purely element-wise relative tolerance would turn into a demand for exact rounding.
    /// </summary>
    public static void All(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double rtol = 1e-5, string what = "")
    {
        Assert.Equal(expected.Length, actual.Length);
        double sumSquares = 0;
        foreach (float e in expected) sumSquares += (double)e * e;
        double rms = expected.Length == 0 ? 0 : Math.Sqrt(sumSquares / expected.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = rtol * (Math.Abs(expected[i]) + rms);
            double error = Math.Abs((double)actual[i] - expected[i]);
            if (!(error <= tolerance))
                Assert.Fail($"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (error {error:E2} > tolerance {tolerance:E2})");
        }
    }
}
