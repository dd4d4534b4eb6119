using System.Runtime.CompilerServices;

namespace Corvid.Tensors.Kernels;

/// <summary>The portable micro-kernel for machines without SIMD: a 4 x 4 tile of C in 16 scalars.</summary>
internal unsafe struct GemmKernelScalar : IGemmMicroKernel
{
    public static int Mr => 4;
    public static int Nr => 4;
    public static int Kc => 256;
    public static int Mc => 64;
    public static int Nc => 512;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, float* pa, float* pb, int ldb, float* c, int ldc, bool overwrite, float* bias)
    {
        float* acc = stackalloc float[16];
        new Span<float>(acc, 16).Clear();
        for (int p = 0; p < kc; p++, pa += 4, pb += ldb)
        {
            for (int r = 0; r < 4; r++)
            {
                float a = pa[r];
                acc[r * 4 + 0] += a * pb[0];
                acc[r * 4 + 1] += a * pb[1];
                acc[r * 4 + 2] += a * pb[2];
                acc[r * 4 + 3] += a * pb[3];
            }
        }
        for (int r = 0; r < 4; r++)
        {
            for (int j = 0; j < 4; j++)
                c[r * ldc + j] = !overwrite ? c[r * ldc + j] + acc[r * 4 + j] : bias != null ? acc[r * 4 + j] + bias[r] : acc[r * 4 + j];
        }
    }
}
