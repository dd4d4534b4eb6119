using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Corvid.Tensors.Kernels;

/// <summary>
/// The row passes of blocked attention, each one sweep over a row of scores: scale, add the key bias and
/// find the maximum; exponentiate and sum; the softmax's backward. The exponential is a vector polynomial
/// (Cephes' expf: range reduction by ln 2, degree-6 polynomial, within 2 ulp of the exact value) because
/// the library's vector Exp goes through double precision and was a fifth of the attention's time.
/// </summary>
internal static unsafe class AttentionRows
{
    /// <summary>row[j] = row[j]·scale (+ bias[j]); returns the row's maximum (NaN if any value is NaN).</summary>
    public static float ScaleAddMax(float* row, int n, float scale, float* bias)
    {
        int j = 0;
        float max = float.NegativeInfinity;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            var s = Vector512.Create(scale);
            var m = Vector512.Create(float.NegativeInfinity);
            for (; j <= n - 16; j += 16)
            {
                var v = Vector512.Load(row + j) * s;
                if (bias != null) v += Vector512.Load(bias + j);
                v.Store(row + j);
                m = Vector512.Max(m, v);
            }
            max = HorizontalMax(m);
        }
        for (; j < n; j++)
        {
            float v = row[j] * scale + (bias == null ? 0f : bias[j]);
            row[j] = v;
            max = float.IsNaN(max) || v <= max ? max : v;
            if (float.IsNaN(v)) max = v;
        }
        return max;
    }

    /// <summary>row[j] = exp(row[j] − shift); returns the sum of the new row.</summary>
    public static float ExpSum(float* row, int n, float shift)
    {
        int j = 0;
        float sum = 0f;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            var sh = Vector512.Create(shift);
            Vector512<float> acc0 = Vector512<float>.Zero, acc1 = Vector512<float>.Zero;
            for (; j <= n - 32; j += 32)
            {
                // Two independent exponentials per step, so their latency chains overlap.
                var e0 = Exp(Vector512.Load(row + j) - sh);
                var e1 = Exp(Vector512.Load(row + j + 16) - sh);
                e0.Store(row + j);
                e1.Store(row + j + 16);
                acc0 += e0;
                acc1 += e1;
            }
            for (; j <= n - 16; j += 16)
            {
                var e = Exp(Vector512.Load(row + j) - sh);
                e.Store(row + j);
                acc0 += e;
            }
            var total = acc0 + acc1;
            var half = total.GetLower() + total.GetUpper();
            sum = Vector128.Sum(half.GetLower() + half.GetUpper());
        }
        for (; j < n; j++)
        {
            float e = MathF.Exp(row[j] - shift);
            row[j] = e;
            sum += e;
        }
        return sum;
    }

    /// <summary>ds[j] = p[j]·(ds[j] − delta)·scale: the softmax's backward (dS from dP), with the score scale folded in.</summary>
    public static void SoftmaxBackward(float* ds, float* p, int n, float delta, float scale)
    {
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var d = Vector512.Create(delta);
            var s = Vector512.Create(scale);
            for (; j <= n - 16; j += 16) (Vector512.Load(p + j) * (Vector512.Load(ds + j) - d) * s).Store(ds + j);
        }
        for (; j < n; j++) ds[j] = p[j] * (ds[j] - delta) * scale;
    }

    static float HorizontalMax(Vector512<float> v)
    {
        // Vector Max propagates NaN, so halving keeps a NaN lane, and the last four follow the same rule.
        var half = Vector256.Max(v.GetLower(), v.GetUpper());
        var quarter = Vector128.Max(half.GetLower(), half.GetUpper());
        float max = quarter.GetElement(0);
        for (int i = 1; i < 4; i++)
        {
            float x = quarter.GetElement(i);
            if (float.IsNaN(x) || x > max) max = float.IsNaN(max) ? max : x;
        }
        return max;
    }

    /// <summary>
    /// e^x per lane: x = k·ln 2 + r with |r| ≤ ln 2 / 2, e^r by polynomial, times 2^k built in the exponent
    /// bits. Below −87 (where e^x leaves the normal floats) it gives 0, so masked scores (−∞) give exactly 0;
    /// NaN stays NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        // Clamped to where e^x is a normal float (e^−87 ≈ 1.6e−38), so no lane computes a subnormal (slow) value.
        var clamped = Vector512.Max(Vector512.Min(x, Vector512.Create(88.3762626647949f)), Vector512.Create(-87f));
        // k = round(x·log2 e) by the 1.5·2^23 trick: the sum's low mantissa bits hold k as an integer.
        var magic = Vector512.Create(12582912f);
        var t = Vector512.FusedMultiplyAdd(clamped, Vector512.Create(1.44269504088896341f), magic);
        var k = t - magic;
        var r = Vector512.FusedMultiplyAdd(k, Vector512.Create(-0.693359375f), clamped);
        r = Vector512.FusedMultiplyAdd(k, Vector512.Create(2.12194440e-4f), r);
        var p = Vector512.Create(1.9875691500E-4f);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.3981999507E-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(8.3334519073E-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(4.1665795894E-2f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.6666665459E-1f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(5.0000001201E-1f));
        var y = Vector512.FusedMultiplyAdd(p, r * r, r) + Vector512<float>.One;
        var scale = Vector512.ShiftLeft(t.AsInt32() - Vector512.Create(0x4B400000 - 127), 23).AsSingle();
        var result = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(-87f)), Vector512<float>.Zero, y * scale);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), result, x); // NaN lanes pass through
    }
}
