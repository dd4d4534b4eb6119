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
    [Theory]
    [InlineData(4, 35)] // 17 outputs per row: one 16-wide step, a scalar tail and an uncovered column
    [InlineData(10, 17)] // rows of 8: two output rows per vector, a leftover row
    [InlineData(14, 9)] // rows of 4: four output rows per vector, three leftover rows
    public void Ties_and_NaN_choose_the_same_element_as_the_generic_kernel(int h, int w)
    {
        const int planes = 3;
        int outH = h / 2, outW = w / 2;
        float[] choices = [-1f, 0f, 0f, 1f, float.NaN, 1f];
        var data = new float[planes * h * w];
        for (int i = 0; i < data.Length; i++) data[i] = choices[(int)((uint)(i * 2654435761u) >> 7) % choices.Length];
        var x = Tensor.FromArray(data, 1, planes, h, w);

        var (fastValues, fastIndices) = F.MaxPool2dWithIndices(x, (2, 2), (2, 2));
        var (genericValues, genericIndices) = F.MaxPool2dWithIndices(x, (2, 2), (2, 2), ceilMode: true);
        Assert.Equal([1, planes, outH, outW], fastValues.Shape.ToArray());
        Assert.Equal([1, planes, outH, outW + 1], genericValues.Shape.ToArray());

        float[] fv = fastValues.ToArray(), gv = genericValues.ToArray();
        long[] fi = fastIndices.ToLongArray(), gi = genericIndices.ToLongArray();
        int nanWindows = 0;
        for (int row = 0; row < planes * outH; row++)
        for (int j = 0; j < outW; j++)
        {
            float a = fv[row * outW + j], b = gv[row * (outW + 1) + j];
            Assert.True(a.Equals(b), $"value at row {row}, column {j}: {a} vs {b}");
            Assert.Equal(gi[row * (outW + 1) + j], fi[row * outW + j]);
            if (float.IsNaN(a)) nanWindows++;
        }
        Assert.InRange(nanWindows, 1, planes * outH * outW - 1); // the data exercises both rules

        // Backward: the gradient lands on the chosen element; the generic pool's extra window gets no gradient.
        var upstream = Tensor.FromArray(Enumerable.Range(1, planes * outH * outW).Select(i => (float)i).ToArray(), 1, planes, outH, outW);
        var padded = new float[planes * outH * (outW + 1)];
        for (int row = 0; row < planes * outH; row++)
        for (int j = 0; j < outW; j++) padded[row * (outW + 1) + j] = row * outW + j + 1;
        var leaf = x.Clone().RequiresGrad_();
        var fastGrad = AutogradEngine.Grad([F.MaxPool2d(leaf, 2)], [leaf], [upstream])[0]!;
        var genericGrad = AutogradEngine.Grad([F.MaxPool2d(leaf, (2, 2), (2, 2), ceilMode: true)], [leaf], [Tensor.FromArray(padded, 1, planes, outH, outW + 1)])[0]!;
        Assert.Equal(genericGrad.ToArray(), fastGrad.ToArray());
    }
}
