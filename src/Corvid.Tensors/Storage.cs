namespace Corvid.Tensors;

/// <summary>The memory behind one or more tensors (views share it). Exactly one array is set.</summary>
internal sealed class Storage
{
    public readonly float[]? Floats;
    public readonly long[]? Longs;
    public readonly bool[]? Bools;

    /// <summary>Bumped by every in-place write, so autograd can tell a saved tensor was modified.</summary>
    public int Version;

    public Storage(float[] data) => Floats = data;
    public Storage(long[] data) => Longs = data;
    public Storage(bool[] data) => Bools = data;

    public DType DType => Floats is not null ? DType.Float32 : Longs is not null ? DType.Int64 : DType.Bool;

    public int Length => Floats?.Length ?? Longs?.Length ?? Bools!.Length;

    public static Storage Allocate(DType dtype, int length, bool zeroed) => dtype switch
    {
        DType.Float32 => new Storage(zeroed ? new float[length] : GC.AllocateUninitializedArray<float>(length)),
        DType.Int64 => new Storage(zeroed ? new long[length] : GC.AllocateUninitializedArray<long>(length)),
        _ => new Storage(new bool[length]),
    };
}
