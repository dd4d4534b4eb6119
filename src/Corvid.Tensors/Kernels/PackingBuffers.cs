using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Corvid.Tensors.Kernels;

/// <summary>
/// Scratch memory of the thread running a kernel: allocated the first time a thread needs it (pinned,
/// so kernels use raw pointers, and aligned to 64 bytes, a cache line and a zmm register), then reused
/// by every later call on that thread. The pool's worker threads are fixed, so this is allocated once.
/// </summary>
internal static unsafe class PackingBuffers
{
    [ThreadStatic] static float[]? packedA;
    [ThreadStatic] static float[]? packedB;
    [ThreadStatic] static float[]? scratch;
    [ThreadStatic] static float[]? columns;
    [ThreadStatic] static float[]? staging;

    /// <summary>Room for a packed block of A.</summary>
    public static float* A(int floats) => Get(ref packedA, floats);

    /// <summary>Room for a packed panel of B.</summary>
    public static float* B(int floats) => Get(ref packedB, floats);

    /// <summary>Room for anything else a kernel needs for a moment (an edge tile, a copied row).</summary>
    public static float* Scratch(int floats) => Get(ref scratch, floats);

    /// <summary>Room for a convolution's im2col matrix (used around, never inside, a GEMM call).</summary>
    public static float* Columns(int floats) => Get(ref columns, floats);

    /// <summary>Room for a convolution's rearranged output or output gradient (around a GEMM call, never inside).</summary>
    public static float* Staging(int floats) => Get(ref staging, floats);

    static float* Get(ref float[]? buffer, int floats)
    {
        const int AlignFloats = 16;
        if (buffer is null || buffer.Length < floats + AlignFloats)
            buffer = GC.AllocateUninitializedArray<float>(floats + AlignFloats, pinned: true);
        nuint address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        return (float*)((address + 63) & ~(nuint)63);
    }
}
