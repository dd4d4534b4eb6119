using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Corvid.Tensors.Kernels;

/// <summary>
/// The 7-wide depthwise correlation (ConvNeXt's kernel) on AVX-512. Loading a vector at each of the 7
/// shifts would make most loads straddle two cache lines; instead each source row is loaded once in
/// whole vectors and every shift is made in registers by <c>valignd</c>. Eight output vectors at a time
/// keep eight independent chains of FMAs in flight, enough to cover the FMA latency.
/// </summary>
internal static unsafe class DepthwiseRow7
{
    /// <summary>Whether this machine runs <see cref="Correlate"/>.</summary>
    public static bool IsSupported => Avx512F.IsSupported;

    /// <summary>
    /// <c>row[x] = bias + Σ w[i, j] · src[x + i·dh·ld + j]</c> for x in <c>[0, width)</c>, j in <c>[0, 7)</c>:
    /// width a multiple of 16 and <paramref name="src"/> readable 16 floats past the last element used.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Correlate(float* src, int ld, float* w, int kh, int dh, float* row, int width, float bias)
    {
        var b = Vector512.Create(bias);
        Vector512<float> k;
        int x = 0;
        for (; x + 128 <= width; x += 128)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
            for (int i = 0; i < kh; i++)
            {
                float* line = src + (long)i * dh * ld + x;
                var l0 = Vector512.Load(line + 0).AsUInt32();
                var l1 = Vector512.Load(line + 16).AsUInt32();
                var l2 = Vector512.Load(line + 32).AsUInt32();
                var l3 = Vector512.Load(line + 48).AsUInt32();
                var l4 = Vector512.Load(line + 64).AsUInt32();
                var l5 = Vector512.Load(line + 80).AsUInt32();
                var l6 = Vector512.Load(line + 96).AsUInt32();
                var l7 = Vector512.Load(line + 112).AsUInt32();
                var l8 = Vector512.Load(line + 128).AsUInt32();
                float* wi = w + i * 7;
                k = Vector512.Create(wi[0]);
                s0 = Vector512.FusedMultiplyAdd(k, l0.AsSingle(), s0);
                s1 = Vector512.FusedMultiplyAdd(k, l1.AsSingle(), s1);
                s2 = Vector512.FusedMultiplyAdd(k, l2.AsSingle(), s2);
                s3 = Vector512.FusedMultiplyAdd(k, l3.AsSingle(), s3);
                s4 = Vector512.FusedMultiplyAdd(k, l4.AsSingle(), s4);
                s5 = Vector512.FusedMultiplyAdd(k, l5.AsSingle(), s5);
                s6 = Vector512.FusedMultiplyAdd(k, l6.AsSingle(), s6);
                s7 = Vector512.FusedMultiplyAdd(k, l7.AsSingle(), s7);
                k = Vector512.Create(wi[1]);
                s0 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l1, l0, 1).AsSingle(), s0);
                s1 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l2, l1, 1).AsSingle(), s1);
                s2 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l3, l2, 1).AsSingle(), s2);
                s3 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l4, l3, 1).AsSingle(), s3);
                s4 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l5, l4, 1).AsSingle(), s4);
                s5 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l6, l5, 1).AsSingle(), s5);
                s6 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l7, l6, 1).AsSingle(), s6);
                s7 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l8, l7, 1).AsSingle(), s7);
                k = Vector512.Create(wi[2]);
                s0 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l1, l0, 2).AsSingle(), s0);
                s1 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l2, l1, 2).AsSingle(), s1);
                s2 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l3, l2, 2).AsSingle(), s2);
                s3 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l4, l3, 2).AsSingle(), s3);
                s4 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l5, l4, 2).AsSingle(), s4);
                s5 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l6, l5, 2).AsSingle(), s5);
                s6 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l7, l6, 2).AsSingle(), s6);
                s7 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l8, l7, 2).AsSingle(), s7);
                k = Vector512.Create(wi[3]);
                s0 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l1, l0, 3).AsSingle(), s0);
                s1 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l2, l1, 3).AsSingle(), s1);
                s2 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l3, l2, 3).AsSingle(), s2);
                s3 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l4, l3, 3).AsSingle(), s3);
                s4 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l5, l4, 3).AsSingle(), s4);
                s5 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l6, l5, 3).AsSingle(), s5);
                s6 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l7, l6, 3).AsSingle(), s6);
                s7 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l8, l7, 3).AsSingle(), s7);
                k = Vector512.Create(wi[4]);
                s0 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l1, l0, 4).AsSingle(), s0);
                s1 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l2, l1, 4).AsSingle(), s1);
                s2 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l3, l2, 4).AsSingle(), s2);
                s3 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l4, l3, 4).AsSingle(), s3);
                s4 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l5, l4, 4).AsSingle(), s4);
                s5 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l6, l5, 4).AsSingle(), s5);
                s6 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l7, l6, 4).AsSingle(), s6);
                s7 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l8, l7, 4).AsSingle(), s7);
                k = Vector512.Create(wi[5]);
                s0 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l1, l0, 5).AsSingle(), s0);
                s1 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l2, l1, 5).AsSingle(), s1);
                s2 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l3, l2, 5).AsSingle(), s2);
                s3 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l4, l3, 5).AsSingle(), s3);
                s4 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l5, l4, 5).AsSingle(), s4);
                s5 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l6, l5, 5).AsSingle(), s5);
                s6 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l7, l6, 5).AsSingle(), s6);
                s7 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l8, l7, 5).AsSingle(), s7);
                k = Vector512.Create(wi[6]);
                s0 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l1, l0, 6).AsSingle(), s0);
                s1 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l2, l1, 6).AsSingle(), s1);
                s2 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l3, l2, 6).AsSingle(), s2);
                s3 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l4, l3, 6).AsSingle(), s3);
                s4 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l5, l4, 6).AsSingle(), s4);
                s5 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l6, l5, 6).AsSingle(), s5);
                s6 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l7, l6, 6).AsSingle(), s6);
                s7 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l8, l7, 6).AsSingle(), s7);
            }
            (s0 + b).Store(row + x + 0);
            (s1 + b).Store(row + x + 16);
            (s2 + b).Store(row + x + 32);
            (s3 + b).Store(row + x + 48);
            (s4 + b).Store(row + x + 64);
            (s5 + b).Store(row + x + 80);
            (s6 + b).Store(row + x + 96);
            (s7 + b).Store(row + x + 112);
        }
        for (; x + 32 <= width; x += 32)
        {
            Vector512<float> s0 = default, s1 = default;
            for (int i = 0; i < kh; i++)
            {
                float* line = src + (long)i * dh * ld + x;
                var l0 = Vector512.Load(line + 0).AsUInt32();
                var l1 = Vector512.Load(line + 16).AsUInt32();
                var l2 = Vector512.Load(line + 32).AsUInt32();
                float* wi = w + i * 7;
                k = Vector512.Create(wi[0]);
                s0 = Vector512.FusedMultiplyAdd(k, l0.AsSingle(), s0);
                s1 = Vector512.FusedMultiplyAdd(k, l1.AsSingle(), s1);
                k = Vector512.Create(wi[1]);
                s0 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l1, l0, 1).AsSingle(), s0);
                s1 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l2, l1, 1).AsSingle(), s1);
                k = Vector512.Create(wi[2]);
                s0 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l1, l0, 2).AsSingle(), s0);
                s1 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l2, l1, 2).AsSingle(), s1);
                k = Vector512.Create(wi[3]);
                s0 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l1, l0, 3).AsSingle(), s0);
                s1 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l2, l1, 3).AsSingle(), s1);
                k = Vector512.Create(wi[4]);
                s0 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l1, l0, 4).AsSingle(), s0);
                s1 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l2, l1, 4).AsSingle(), s1);
                k = Vector512.Create(wi[5]);
                s0 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l1, l0, 5).AsSingle(), s0);
                s1 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l2, l1, 5).AsSingle(), s1);
                k = Vector512.Create(wi[6]);
                s0 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l1, l0, 6).AsSingle(), s0);
                s1 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l2, l1, 6).AsSingle(), s1);
            }
            (s0 + b).Store(row + x);
            (s1 + b).Store(row + x + 16);
        }
        for (; x < width; x += 16)
        {
            Vector512<float> s0 = default;
            for (int i = 0; i < kh; i++)
            {
                float* line = src + (long)i * dh * ld + x;
                var l0 = Vector512.Load(line + 0).AsUInt32();
                var l1 = Vector512.Load(line + 16).AsUInt32();
                float* wi = w + i * 7;
                k = Vector512.Create(wi[0]);
                s0 = Vector512.FusedMultiplyAdd(k, l0.AsSingle(), s0);
                k = Vector512.Create(wi[1]);
                s0 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l1, l0, 1).AsSingle(), s0);
                k = Vector512.Create(wi[2]);
                s0 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l1, l0, 2).AsSingle(), s0);
                k = Vector512.Create(wi[3]);
                s0 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l1, l0, 3).AsSingle(), s0);
                k = Vector512.Create(wi[4]);
                s0 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l1, l0, 4).AsSingle(), s0);
                k = Vector512.Create(wi[5]);
                s0 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l1, l0, 5).AsSingle(), s0);
                k = Vector512.Create(wi[6]);
                s0 = Vector512.FusedMultiplyAdd(k, Avx512F.AlignRight32(l1, l0, 6).AsSingle(), s0);
            }
            (s0 + b).Store(row + x);
        }
    }
}
