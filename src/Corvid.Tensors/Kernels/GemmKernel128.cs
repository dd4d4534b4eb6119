using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Corvid.Tensors.Kernels;

/// <summary>
/// The 128-bit micro-kernel (SSE, or NEON on Arm): a 6 x 8 tile of C in 12 accumulators. Uses a
/// fused multiply-add where the hardware has one and a multiply then an add where it does not.
/// </summary>
internal unsafe struct GemmKernel128 : IGemmMicroKernel
{
    public static int Mr => 6;
    public static int Nr => 8;
    public static int Kc => 256;
    public static int Mc => 72;
    public static int Nc => 1024;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, float* pa, float* pb, int ldb, float* c, int ldc, bool overwrite, float* bias)
    {
        Vector128<float> c00 = default, c01 = default;
        Vector128<float> c10 = default, c11 = default;
        Vector128<float> c20 = default, c21 = default;
        Vector128<float> c30 = default, c31 = default;
        Vector128<float> c40 = default, c41 = default;
        Vector128<float> c50 = default, c51 = default;
        for (int p = 0; p < kc; p++, pa += 6, pb += ldb)
        {
            var b0 = Vector128.Load(pb);
            var b1 = Vector128.Load(pb + 4);
            Vector128<float> a;
            a = Vector128.Create(pa[0]); c00 = Vector128.MultiplyAddEstimate(a, b0, c00); c01 = Vector128.MultiplyAddEstimate(a, b1, c01);
            a = Vector128.Create(pa[1]); c10 = Vector128.MultiplyAddEstimate(a, b0, c10); c11 = Vector128.MultiplyAddEstimate(a, b1, c11);
            a = Vector128.Create(pa[2]); c20 = Vector128.MultiplyAddEstimate(a, b0, c20); c21 = Vector128.MultiplyAddEstimate(a, b1, c21);
            a = Vector128.Create(pa[3]); c30 = Vector128.MultiplyAddEstimate(a, b0, c30); c31 = Vector128.MultiplyAddEstimate(a, b1, c31);
            a = Vector128.Create(pa[4]); c40 = Vector128.MultiplyAddEstimate(a, b0, c40); c41 = Vector128.MultiplyAddEstimate(a, b1, c41);
            a = Vector128.Create(pa[5]); c50 = Vector128.MultiplyAddEstimate(a, b0, c50); c51 = Vector128.MultiplyAddEstimate(a, b1, c51);
        }
        Store(c + 0 * ldc, c00, c01, overwrite, bias, 0);
        Store(c + 1 * ldc, c10, c11, overwrite, bias, 1);
        Store(c + 2 * ldc, c20, c21, overwrite, bias, 2);
        Store(c + 3 * ldc, c30, c31, overwrite, bias, 3);
        Store(c + 4 * ldc, c40, c41, overwrite, bias, 4);
        Store(c + 5 * ldc, c50, c51, overwrite, bias, 5);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store(float* c, Vector128<float> lo, Vector128<float> hi, bool overwrite, float* bias, int row)
    {
        if (!overwrite)
        {
            lo = Vector128.Load(c) + lo;
            hi = Vector128.Load(c + 4) + hi;
        }
        else if (bias != null)
        {
            var b = Vector128.Create(bias[row]);
            lo += b;
            hi += b;
        }
        lo.Store(c);
        hi.Store(c + 4);
    }
}
