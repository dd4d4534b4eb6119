namespace Corvid.Tensors.Kernels;

/// <summary>
/// How many threads the heavy kernels use, process-wide, like <c>torch.set_num_threads</c>, with a
/// per-thread limit on top (<see cref="Limit"/>) for code that runs several models side by side.
/// </summary>
/// <remarks>
/// Work is split statically and never along the summed dimension, so a kernel's result does not
/// depend on this setting: with any count, and in particular with 1, runs are bit-identical.
/// </remarks>
public static class Threads
{
    static int count = Environment.ProcessorCount;

    // 0 when the calling thread has no limit of its own.
    [ThreadStatic] static int callingThreadLimit;

    /// <summary>Threads a kernel may use, the calling thread included; defaults to the logical core count.</summary>
    public static int Count
    {
        get => Volatile.Read(ref count);
        set => Volatile.Write(ref count, Validated(value, nameof(Count)));
    }

    /// <summary>Threads a kernel started on the calling thread may use: its own <see cref="Limit"/> if one is set, else <see cref="Count"/>.</summary>
    public static int ForCallingThread => callingThreadLimit > 0 ? callingThreadLimit : Count;

    /// <summary>
    /// Gives the kernels this thread starts <paramref name="threads"/> threads until the scope is disposed (on this
    /// thread), whatever <see cref="Count"/> says. This is ONNX Runtime's per-session <c>IntraOpNumThreads</c>
    /// for models sharing one process: each serving worker keeps its own share of the cores.
    /// </summary>
    public static LimitScope Limit(int threads)
    {
        Validated(threads, nameof(threads));
        var scope = new LimitScope(callingThreadLimit);
        callingThreadLimit = threads;
        return scope;
    }

    /// <summary>Restores the calling thread's previous limit when disposed.</summary>
    public readonly struct LimitScope : IDisposable
    {
        readonly int previous;

        internal LimitScope(int previous) => this.previous = previous;

        public void Dispose() => callingThreadLimit = previous;
    }

    static int Validated(int threads, string name) =>
        threads >= 1 ? threads : throw new ArgumentOutOfRangeException(name, threads, $"a thread count must be at least 1, got {threads}");
}
