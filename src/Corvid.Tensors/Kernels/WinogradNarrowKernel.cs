using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Corvid.Tensors.Kernels;

/// <summary>
/// Micro-kernels 16 columns wide for a Winograd block's last sliver when it holds 16 tiles or fewer: ResNet's
/// 7x7 maps at batch 1 are 16 tiles, which the 12 x 32 GEMM kernel would compute at twice the work.
/// </summary>
/// <remarks>
/// Each output element is the same chain of fused multiply-adds, started from zero and stored (or added to C)
/// once, as in <see cref="GemmKernel512"/>: the results equal that kernel's first 16 lanes bit for bit. Two
/// packed A slivers of 12 rows go through one pass over B (24 accumulators), so B is loaded once per 24 rows.
/// </remarks>
internal static unsafe class WinogradNarrowKernel
{
    /// <summary>Rows of one packed A sliver (<see cref="GemmKernel512"/>'s Mr).</summary>
    public const int Mr = 12;

    /// <summary>Columns computed: one vector.</summary>
    public const int Width = 16;

    /// <summary><c>C[24 x 16] (+)= [A0; A1] · B</c>: A0 and A1 are packed 12-row slivers (12 floats per step of k), B has row stride <paramref name="ldb"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run24(int kc, float* pa0, float* pa1, float* pb, int ldb, float* c, int ldc, bool overwrite)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        Vector512<float> c6 = default, c7 = default, c8 = default, c9 = default, c10 = default, c11 = default;
        Vector512<float> c12 = default, c13 = default, c14 = default, c15 = default, c16 = default, c17 = default;
        Vector512<float> c18 = default, c19 = default, c20 = default, c21 = default, c22 = default, c23 = default;
        for (int p = 0; p < kc; p++, pa0 += Mr, pa1 += Mr, pb += ldb)
        {
            var b = Vector512.Load(pb);
            Vector512<float> a;
            a = Vector512.Create(pa0[0]); c0 = Vector512.FusedMultiplyAdd(a, b, c0);
            a = Vector512.Create(pa0[1]); c1 = Vector512.FusedMultiplyAdd(a, b, c1);
            a = Vector512.Create(pa0[2]); c2 = Vector512.FusedMultiplyAdd(a, b, c2);
            a = Vector512.Create(pa0[3]); c3 = Vector512.FusedMultiplyAdd(a, b, c3);
            a = Vector512.Create(pa0[4]); c4 = Vector512.FusedMultiplyAdd(a, b, c4);
            a = Vector512.Create(pa0[5]); c5 = Vector512.FusedMultiplyAdd(a, b, c5);
            a = Vector512.Create(pa0[6]); c6 = Vector512.FusedMultiplyAdd(a, b, c6);
            a = Vector512.Create(pa0[7]); c7 = Vector512.FusedMultiplyAdd(a, b, c7);
            a = Vector512.Create(pa0[8]); c8 = Vector512.FusedMultiplyAdd(a, b, c8);
            a = Vector512.Create(pa0[9]); c9 = Vector512.FusedMultiplyAdd(a, b, c9);
            a = Vector512.Create(pa0[10]); c10 = Vector512.FusedMultiplyAdd(a, b, c10);
            a = Vector512.Create(pa0[11]); c11 = Vector512.FusedMultiplyAdd(a, b, c11);
            a = Vector512.Create(pa1[0]); c12 = Vector512.FusedMultiplyAdd(a, b, c12);
            a = Vector512.Create(pa1[1]); c13 = Vector512.FusedMultiplyAdd(a, b, c13);
            a = Vector512.Create(pa1[2]); c14 = Vector512.FusedMultiplyAdd(a, b, c14);
            a = Vector512.Create(pa1[3]); c15 = Vector512.FusedMultiplyAdd(a, b, c15);
            a = Vector512.Create(pa1[4]); c16 = Vector512.FusedMultiplyAdd(a, b, c16);
            a = Vector512.Create(pa1[5]); c17 = Vector512.FusedMultiplyAdd(a, b, c17);
            a = Vector512.Create(pa1[6]); c18 = Vector512.FusedMultiplyAdd(a, b, c18);
            a = Vector512.Create(pa1[7]); c19 = Vector512.FusedMultiplyAdd(a, b, c19);
            a = Vector512.Create(pa1[8]); c20 = Vector512.FusedMultiplyAdd(a, b, c20);
            a = Vector512.Create(pa1[9]); c21 = Vector512.FusedMultiplyAdd(a, b, c21);
            a = Vector512.Create(pa1[10]); c22 = Vector512.FusedMultiplyAdd(a, b, c22);
            a = Vector512.Create(pa1[11]); c23 = Vector512.FusedMultiplyAdd(a, b, c23);
        }
        Store(c + 0 * ldc, c0, overwrite);
        Store(c + 1 * ldc, c1, overwrite);
        Store(c + 2 * ldc, c2, overwrite);
        Store(c + 3 * ldc, c3, overwrite);
        Store(c + 4 * ldc, c4, overwrite);
        Store(c + 5 * ldc, c5, overwrite);
        Store(c + 6 * ldc, c6, overwrite);
        Store(c + 7 * ldc, c7, overwrite);
        Store(c + 8 * ldc, c8, overwrite);
        Store(c + 9 * ldc, c9, overwrite);
        Store(c + 10 * ldc, c10, overwrite);
        Store(c + 11 * ldc, c11, overwrite);
        Store(c + 12 * ldc, c12, overwrite);
        Store(c + 13 * ldc, c13, overwrite);
        Store(c + 14 * ldc, c14, overwrite);
        Store(c + 15 * ldc, c15, overwrite);
        Store(c + 16 * ldc, c16, overwrite);
        Store(c + 17 * ldc, c17, overwrite);
        Store(c + 18 * ldc, c18, overwrite);
        Store(c + 19 * ldc, c19, overwrite);
        Store(c + 20 * ldc, c20, overwrite);
        Store(c + 21 * ldc, c21, overwrite);
        Store(c + 22 * ldc, c22, overwrite);
        Store(c + 23 * ldc, c23, overwrite);
    }

    /// <summary><c>C[12 x 16] (+)= A · B</c> for one packed 12-row sliver (the last of an odd count).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run12(int kc, float* pa, float* pb, int ldb, float* c, int ldc, bool overwrite)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        Vector512<float> c6 = default, c7 = default, c8 = default, c9 = default, c10 = default, c11 = default;
        for (int p = 0; p < kc; p++, pa += Mr, pb += ldb)
        {
            var b = Vector512.Load(pb);
            Vector512<float> a;
            a = Vector512.Create(pa[0]); c0 = Vector512.FusedMultiplyAdd(a, b, c0);
            a = Vector512.Create(pa[1]); c1 = Vector512.FusedMultiplyAdd(a, b, c1);
            a = Vector512.Create(pa[2]); c2 = Vector512.FusedMultiplyAdd(a, b, c2);
            a = Vector512.Create(pa[3]); c3 = Vector512.FusedMultiplyAdd(a, b, c3);
            a = Vector512.Create(pa[4]); c4 = Vector512.FusedMultiplyAdd(a, b, c4);
            a = Vector512.Create(pa[5]); c5 = Vector512.FusedMultiplyAdd(a, b, c5);
            a = Vector512.Create(pa[6]); c6 = Vector512.FusedMultiplyAdd(a, b, c6);
            a = Vector512.Create(pa[7]); c7 = Vector512.FusedMultiplyAdd(a, b, c7);
            a = Vector512.Create(pa[8]); c8 = Vector512.FusedMultiplyAdd(a, b, c8);
            a = Vector512.Create(pa[9]); c9 = Vector512.FusedMultiplyAdd(a, b, c9);
            a = Vector512.Create(pa[10]); c10 = Vector512.FusedMultiplyAdd(a, b, c10);
            a = Vector512.Create(pa[11]); c11 = Vector512.FusedMultiplyAdd(a, b, c11);
        }
        Store(c + 0 * ldc, c0, overwrite);
        Store(c + 1 * ldc, c1, overwrite);
        Store(c + 2 * ldc, c2, overwrite);
        Store(c + 3 * ldc, c3, overwrite);
        Store(c + 4 * ldc, c4, overwrite);
        Store(c + 5 * ldc, c5, overwrite);
        Store(c + 6 * ldc, c6, overwrite);
        Store(c + 7 * ldc, c7, overwrite);
        Store(c + 8 * ldc, c8, overwrite);
        Store(c + 9 * ldc, c9, overwrite);
        Store(c + 10 * ldc, c10, overwrite);
        Store(c + 11 * ldc, c11, overwrite);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store(float* c, Vector512<float> sum, bool overwrite)
    {
        if (!overwrite) sum = Vector512.Load(c) + sum;
        sum.Store(c);
    }
}
