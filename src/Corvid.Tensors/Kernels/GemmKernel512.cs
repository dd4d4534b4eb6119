using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Corvid.Tensors.Kernels;

/// <summary>
/// The AVX-512 micro-kernel: a 12 x 32 tile of C held in 24 zmm accumulators (of 32 registers), updated
/// by one broadcast of A and two loads of B per row and step of k, 24 FMAs per step.
/// </summary>
internal unsafe struct GemmKernel512 : IGemmMicroKernel
{
    public static int Mr => 12;
    public static int Nr => 32;
    public static int Kc => 384;
    public static int Mc => 144;
    public static int Nc => 2048;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, float* pa, float* pb, int ldb, float* c, int ldc, bool overwrite, float* bias)
    {
        Vector512<float> c00 = default, c01 = default;
        Vector512<float> c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default;
        Vector512<float> c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default;
        Vector512<float> c70 = default, c71 = default;
        Vector512<float> c80 = default, c81 = default;
        Vector512<float> c90 = default, c91 = default;
        Vector512<float> c100 = default, c101 = default;
        Vector512<float> c110 = default, c111 = default;
        // C's rows are far apart (often a multiple of 4 KB, so they collide in L1's sets): start
        // fetching them now, so the final read-modify-write does not stall on 24 misses.
        Sse.Prefetch0(c + 0 * ldc); Sse.Prefetch0(c + 0 * ldc + 16);
        Sse.Prefetch0(c + 1 * ldc); Sse.Prefetch0(c + 1 * ldc + 16);
        Sse.Prefetch0(c + 2 * ldc); Sse.Prefetch0(c + 2 * ldc + 16);
        Sse.Prefetch0(c + 3 * ldc); Sse.Prefetch0(c + 3 * ldc + 16);
        Sse.Prefetch0(c + 4 * ldc); Sse.Prefetch0(c + 4 * ldc + 16);
        Sse.Prefetch0(c + 5 * ldc); Sse.Prefetch0(c + 5 * ldc + 16);
        Sse.Prefetch0(c + 6 * ldc); Sse.Prefetch0(c + 6 * ldc + 16);
        Sse.Prefetch0(c + 7 * ldc); Sse.Prefetch0(c + 7 * ldc + 16);
        Sse.Prefetch0(c + 8 * ldc); Sse.Prefetch0(c + 8 * ldc + 16);
        Sse.Prefetch0(c + 9 * ldc); Sse.Prefetch0(c + 9 * ldc + 16);
        Sse.Prefetch0(c + 10 * ldc); Sse.Prefetch0(c + 10 * ldc + 16);
        Sse.Prefetch0(c + 11 * ldc); Sse.Prefetch0(c + 11 * ldc + 16);
        for (int p = 0; p < kc; p++, pa += 12, pb += ldb)
        {
            var b0 = Vector512.Load(pb);
            var b1 = Vector512.Load(pb + 16);
            Vector512<float> a;
            a = Vector512.Create(pa[0]); c00 = Vector512.FusedMultiplyAdd(a, b0, c00); c01 = Vector512.FusedMultiplyAdd(a, b1, c01);
            a = Vector512.Create(pa[1]); c10 = Vector512.FusedMultiplyAdd(a, b0, c10); c11 = Vector512.FusedMultiplyAdd(a, b1, c11);
            a = Vector512.Create(pa[2]); c20 = Vector512.FusedMultiplyAdd(a, b0, c20); c21 = Vector512.FusedMultiplyAdd(a, b1, c21);
            a = Vector512.Create(pa[3]); c30 = Vector512.FusedMultiplyAdd(a, b0, c30); c31 = Vector512.FusedMultiplyAdd(a, b1, c31);
            a = Vector512.Create(pa[4]); c40 = Vector512.FusedMultiplyAdd(a, b0, c40); c41 = Vector512.FusedMultiplyAdd(a, b1, c41);
            a = Vector512.Create(pa[5]); c50 = Vector512.FusedMultiplyAdd(a, b0, c50); c51 = Vector512.FusedMultiplyAdd(a, b1, c51);
            a = Vector512.Create(pa[6]); c60 = Vector512.FusedMultiplyAdd(a, b0, c60); c61 = Vector512.FusedMultiplyAdd(a, b1, c61);
            a = Vector512.Create(pa[7]); c70 = Vector512.FusedMultiplyAdd(a, b0, c70); c71 = Vector512.FusedMultiplyAdd(a, b1, c71);
            a = Vector512.Create(pa[8]); c80 = Vector512.FusedMultiplyAdd(a, b0, c80); c81 = Vector512.FusedMultiplyAdd(a, b1, c81);
            a = Vector512.Create(pa[9]); c90 = Vector512.FusedMultiplyAdd(a, b0, c90); c91 = Vector512.FusedMultiplyAdd(a, b1, c91);
            a = Vector512.Create(pa[10]); c100 = Vector512.FusedMultiplyAdd(a, b0, c100); c101 = Vector512.FusedMultiplyAdd(a, b1, c101);
            a = Vector512.Create(pa[11]); c110 = Vector512.FusedMultiplyAdd(a, b0, c110); c111 = Vector512.FusedMultiplyAdd(a, b1, c111);
        }
        Store(c + 0 * ldc, c00, c01, overwrite, bias, 0);
        Store(c + 1 * ldc, c10, c11, overwrite, bias, 1);
        Store(c + 2 * ldc, c20, c21, overwrite, bias, 2);
        Store(c + 3 * ldc, c30, c31, overwrite, bias, 3);
        Store(c + 4 * ldc, c40, c41, overwrite, bias, 4);
        Store(c + 5 * ldc, c50, c51, overwrite, bias, 5);
        Store(c + 6 * ldc, c60, c61, overwrite, bias, 6);
        Store(c + 7 * ldc, c70, c71, overwrite, bias, 7);
        Store(c + 8 * ldc, c80, c81, overwrite, bias, 8);
        Store(c + 9 * ldc, c90, c91, overwrite, bias, 9);
        Store(c + 10 * ldc, c100, c101, overwrite, bias, 10);
        Store(c + 11 * ldc, c110, c111, overwrite, bias, 11);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store(float* c, Vector512<float> lo, Vector512<float> hi, bool overwrite, float* bias, int row)
    {
        if (!overwrite)
        {
            lo = Vector512.Load(c) + lo;
            hi = Vector512.Load(c + 16) + hi;
        }
        else if (bias != null)
        {
            var b = Vector512.Create(bias[row]);
            lo += b;
            hi += b;
        }
        lo.Store(c);
        hi.Store(c + 16);
    }
}
