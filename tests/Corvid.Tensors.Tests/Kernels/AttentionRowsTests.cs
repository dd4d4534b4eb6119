using System.Runtime.Intrinsics;
using Corvid.Tensors.Kernels;

namespace Corvid.Tensors.Tests.Kernels;

/// <summary>The vector exponential of the attention's softmax against the exact (double) exponential.</summary>
public class AttentionRowsTests
{
    [Fact]
    public void Vector_exp_is_within_two_ulp_over_the_normal_range()
    {
        if (!Vector512.IsHardwareAccelerated) return; // the scalar path is MathF.Exp itself
        float worst = 0;
        var lanes = new float[16];
        for (double x0 = -86.9; x0 < 88; x0 += 16 * 0.00731)
        {
            for (int i = 0; i < 16; i++) lanes[i] = (float)(x0 + i * 0.00731);
            var result = AttentionRows.Exp(Vector512.Create(lanes));
            for (int i = 0; i < 16; i++)
            {
                double exact = Math.Exp(lanes[i]);
                float ulp = MathF.BitIncrement((float)exact) - (float)exact;
                worst = MathF.Max(worst, (float)(Math.Abs(result.GetElement(i) - exact) / ulp));
            }
        }
        Assert.True(worst <= 2f, $"worst error {worst} ulp");
    }

    [Fact]
    public void Masked_scores_give_exactly_zero_and_nan_stays_nan()
    {
        if (!Vector512.IsHardwareAccelerated) return;
        var x = Vector512.Create(float.NegativeInfinity, -100f, -87.5f, 0f, float.NaN, 1f, -1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, 10f);
        var e = AttentionRows.Exp(x);
        Assert.Equal(0f, e.GetElement(0));
        Assert.Equal(0f, e.GetElement(1));
        Assert.Equal(0f, e.GetElement(2));
        Assert.Equal(1f, e.GetElement(3));
        Assert.True(float.IsNaN(e.GetElement(4)));
    }
}
