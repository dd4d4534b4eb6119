using Corvid.Tensors;

namespace Corvid.Nn.Tests;

internal static class Numerics
{
    /// <summary>Same shape and values within <c>atol + rtol·|expected|</c>.</summary>
    public static void AssertClose(Tensor expected, Tensor actual, double rtol = 1e-5, double atol = 1e-6, string what = "")
    {
        Assert.True(expected.Shape.SequenceEqual(actual.Shape),
            $"{what}: shape [{string.Join(", ", actual.Shape.ToArray())}] differs from the expected [{string.Join(", ", expected.Shape.ToArray())}]");
        var e = expected.ToArray();
        var a = actual.ToArray();
        for (int i = 0; i < e.Length; i++)
        {
            double error = Math.Abs((double)a[i] - e[i]);
            if (!(error <= atol + rtol * Math.Abs(e[i])))
                Assert.Fail($"{what}[{i}]: expected {e[i]:R}, got {a[i]:R} (error {error:E2})");
        }
    }
}
