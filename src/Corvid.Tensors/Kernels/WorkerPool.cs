using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace Corvid.Tensors.Kernels;

/// <summary>
/// A fixed set of background threads that run the pieces of one kernel call alongside the caller.
/// Threads start once, the first time a call needs them, and then wait; a call neither creates
/// threads nor allocates.
/// </summary>
/// <remarks>
/// Piece <c>p</c> always runs on participant <c>p</c> (the caller is participant 0): static partitioning.
/// One call uses the pool at a time. A call that finds it busy (a second thread calling a kernel, or
/// a kernel called from inside a piece) runs all its pieces itself, one after another; because pieces
/// are independent, the result is the same either way.
/// </remarks>
internal static unsafe class WorkerPool
{
    static readonly Lock Gate = new();
    static readonly ManualResetEventSlim Done = new(false, spinCount: 200);
    static SemaphoreSlim[] wake = [];

    // The call in flight: its work (a struct on the caller's stack, which waits) and how to run it.
    static void* state;
    static delegate*<void*, int, int, void> invoke;
    static int parts;
    static int pending;
    static ExceptionDispatchInfo? failure;

    // True on a thread while it runs a piece: a kernel called from there gets no more threads.
    [ThreadStatic] static bool inPiece;

    /// <summary>Threads a kernel starting now on this thread may use: <see cref="Threads.Count"/>, or 1 inside a piece.</summary>
    public static int AvailableThreads => inPiece ? 1 : Threads.Count;

    /// <summary>Runs <c>work.Execute(p, parts)</c> for every p in <c>[0, parts)</c>, in parallel when the pool is free.</summary>
    public static void Run<T>(ref T work, int partCount) where T : struct, IParallelWork
    {
        if (partCount <= 1 || !Gate.TryEnter())
        {
            for (int p = 0; p < partCount; p++) work.Execute(p, partCount);
            return;
        }
        try
        {
            EnsureWorkers(partCount - 1);
            state = Unsafe.AsPointer(ref work);
            invoke = &Invoke<T>;
            parts = partCount;
            failure = null;
            Done.Reset();
            Volatile.Write(ref pending, partCount - 1);
            for (int w = 0; w < partCount - 1; w++) wake[w].Release();

            try
            {
                inPiece = true;
                work.Execute(0, partCount);
            }
            finally
            {
                inPiece = false;
                Done.Wait();
                state = null;
            }
            failure?.Throw();
        }
        finally
        {
            Gate.Exit();
        }
    }

    static void Invoke<T>(void* work, int part, int partCount) where T : struct, IParallelWork =>
        Unsafe.AsRef<T>(work).Execute(part, partCount);

    static void EnsureWorkers(int needed)
    {
        if (wake.Length >= needed) return;
        var grown = new SemaphoreSlim[needed];
        wake.CopyTo(grown, 0);
        for (int w = wake.Length; w < needed; w++)
        {
            var signal = grown[w] = new SemaphoreSlim(0);
            int index = w;
            var thread = new Thread(() => Loop(index, signal)) { IsBackground = true, Name = $"Corvid kernel worker {index + 1}" };
            thread.Start();
        }
        wake = grown;
    }

    static void Loop(int index, SemaphoreSlim signal)
    {
        inPiece = true;
        while (true)
        {
            signal.Wait();
            try
            {
                invoke(state, index + 1, parts);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref failure, ExceptionDispatchInfo.Capture(e), null);
            }
            if (Interlocked.Decrement(ref pending) == 0) Done.Set();
        }
    }
}
