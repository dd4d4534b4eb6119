namespace Corvid.Tensors.Kernels;

/// <summary>
/// One kernel call split into <c>parts</c> independent pieces. Implemented by small structs that hold
/// pointers to pinned operands, so handing work to <see cref="WorkerPool"/> allocates nothing.
/// </summary>
internal interface IParallelWork
{
    /// <summary>Does piece <paramref name="part"/> of <paramref name="parts"/>; pieces must not write to the same memory.</summary>
    void Execute(int part, int parts);
}
