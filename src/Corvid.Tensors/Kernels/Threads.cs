namespace Corvid.Tensors.Kernels;

/// <summary>
/// How many threads the heavy kernels use, process-wide, like <c>torch.set_num_threads</c>.
/// </summary>
/// <remarks>
/// Work is split statically and never along the summed dimension, so a kernel's result does not
/// depend on this setting: with any count, and in particular with 1, runs are bit-identical.
/// </remarks>
public static class Threads
{
    static int count = Environment.ProcessorCount;

    /// <summary>Threads a kernel may use, the calling thread included; defaults to the logical core count.</summary>
    public static int Count
    {
        get => Volatile.Read(ref count);
        set
        {
            if (value < 1) throw new ArgumentOutOfRangeException(nameof(value), value, $"Threads.Count must be at least 1, got {value}");
            Volatile.Write(ref count, value);
        }
    }
}
