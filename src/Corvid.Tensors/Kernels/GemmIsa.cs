using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Corvid.Tensors.Kernels;

/// <summary>The instruction-set variants of the GEMM micro-kernel.</summary>
internal enum GemmIsa
{
    Scalar,
    Vector128,
    Vector256,
    Vector512,
}

internal static class GemmIsaSelection
{
    /// <summary>The widest variant this machine runs natively, chosen once at start-up.</summary>
    public static readonly GemmIsa Best =
        Vector512.IsHardwareAccelerated ? GemmIsa.Vector512
        : Vector256.IsHardwareAccelerated && Fma.IsSupported ? GemmIsa.Vector256
        : Vector128.IsHardwareAccelerated ? GemmIsa.Vector128
        : GemmIsa.Scalar;

    /// <summary>Variants this machine can run (tests check each one against the reference).</summary>
    public static IEnumerable<GemmIsa> Supported()
    {
        yield return GemmIsa.Scalar;
        if (Vector128.IsHardwareAccelerated) yield return GemmIsa.Vector128;
        if (Vector256.IsHardwareAccelerated && Fma.IsSupported) yield return GemmIsa.Vector256;
        if (Vector512.IsHardwareAccelerated) yield return GemmIsa.Vector512;
    }
}
