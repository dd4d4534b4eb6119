using Corvid.Tensors.Autograd;

namespace Corvid.Tensors.Tests.Kernels;

/// <summary>
/// The specialised 2x2 stride-2 max pool (16 outputs per AVX-512 step) against the generic kernel, on input
/// full of ties and NaNs, where the choice rule matters: PyTorch's fixtures use random normals (no ties, no
/// NaN). Ceil mode on an odd width sends the same windows through the generic kernel (its last window is
/// partial), so the full windows of both must agree in values, indices and gradient.
/// </summary>
public class MaxPool2x2Tests
{
    [Fact]
    public void Ties_and_NaN_choose_the_same_element_as_the_generic_kernel()
    {
        const int planes = 3, h = 4, w = 35; // 17 outputs per row: one 16-wide step, a scalar tail and an uncovered column
        float[] choices = [-1f, 0f, 0f, 1f, float.NaN, 1f];
        var data = new float[planes * h * w];
        for (int i = 0; i < data.Length; i++) data[i] = choices[(int)((uint)(i * 2654435761u) >> 7) % choices.Length];
        var x = Tensor.FromArray(data, 1, planes, h, w);

        var (fastValues, fastIndices) = F.MaxPool2dWithIndices(x, (2, 2), (2, 2));
        var (genericValues, genericIndices) = F.MaxPool2dWithIndices(x, (2, 2), (2, 2), ceilMode: true);
        Assert.Equal([1, planes, 2, 17], fastValues.Shape.ToArray());
        Assert.Equal([1, planes, 2, 18], genericValues.Shape.ToArray());

        float[] fv = fastValues.ToArray(), gv = genericValues.ToArray();
        long[] fi = fastIndices.ToLongArray(), gi = genericIndices.ToLongArray();
        int nanWindows = 0;
        for (int row = 0; row < planes * 2; row++)
        for (int j = 0; j < 17; j++)
        {
            float a = fv[row * 17 + j], b = gv[row * 18 + j];
            Assert.True(a.Equals(b), $"value at row {row}, column {j}: {a} vs {b}");
            Assert.Equal(gi[row * 18 + j], fi[row * 17 + j]);
            if (float.IsNaN(a)) nanWindows++;
        }
        Assert.InRange(nanWindows, 1, planes * 2 * 17 - 1); // the data exercises both rules

        // Backward: the gradient lands on the chosen element; the generic pool's extra window gets no gradient.
        var upstream = Tensor.FromArray(Enumerable.Range(1, planes * 2 * 17).Select(i => (float)i).ToArray(), 1, planes, 2, 17);
        var padded = new float[planes * 2 * 18];
        for (int row = 0; row < planes * 2; row++)
        for (int j = 0; j < 17; j++) padded[row * 18 + j] = upstream.ToArray()[row * 17 + j];
        var leaf = x.Clone().RequiresGrad_();
        var fastGrad = AutogradEngine.Grad([F.MaxPool2d(leaf, 2)], [leaf], [upstream])[0]!;
        var genericGrad = AutogradEngine.Grad([F.MaxPool2d(leaf, (2, 2), (2, 2), ceilMode: true)], [leaf], [Tensor.FromArray(padded, 1, planes, 2, 18)])[0]!;
        Assert.Equal(genericGrad.ToArray(), fastGrad.ToArray());
    }
}
