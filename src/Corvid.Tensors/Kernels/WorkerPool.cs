using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace Corvid.Tensors.Kernels;

/// <summary>
/// A fixed set of background threads that run the pieces of one kernel call alongside the caller.
/// Threads start once, the first time a call needs them, and then wait; a call neither creates
/// threads nor allocates.
/// </summary>
/// <remarks>
/// Piece <c>p</c> is handed to participant <c>p</c> (the caller is participant 0): static partitioning. A worker
/// that has not started its piece by the time the caller has finished its own (asleep, or preempted by another
/// process on a shared machine) loses it: the caller claims and runs it instead of waiting. Each piece is claimed
/// once (<see cref="TryClaim"/>), and a piece's result does not depend on who runs it.
/// One call uses the pool at a time. A call that finds it busy (a second thread calling a kernel, or
/// a kernel called from inside a piece) runs all its pieces itself, one after another; because pieces
/// are independent, the result is the same either way.
/// <para>
/// A worker that finishes a piece spins for <see cref="SpinMicroseconds"/> before it sleeps: kernels
/// come in bursts (every layer of a forward pass), and waking a sleeping thread takes tens of
/// microseconds, as long as a whole small matmul.
/// </para>
/// </remarks>
internal static unsafe class WorkerPool
{
    const int SpinMicroseconds = 50;

    static readonly Lock Gate = new();
    static readonly ManualResetEventSlim Done = new(false, spinCount: 2000);
    static Worker[] workers = [];

    // The call in flight: its work (a struct on the caller's stack, which waits) and how to run it.
    static void* state;
    static delegate*<void*, int, int, void> invoke;
    static int parts;
    static int pending;
    static int calls;
    static ExceptionDispatchInfo? failure;

    // claims[p]: the last call whose piece p someone took (the caller or worker p). Only grows.
    static int[] claims = [];

    // True on a thread while it runs a piece: a kernel called from there gets no more threads.
    [ThreadStatic] static bool inPiece;

    /// <summary>Threads a kernel starting now on this thread may use: <see cref="Threads.ForCallingThread"/>, or 1 inside a piece.</summary>
    public static int AvailableThreads => inPiece ? 1 : Threads.ForCallingThread;

    /// <summary>Elements below which a pass over memory stays on the calling thread: waking a thread costs more than it saves.</summary>
    public const int ParallelThreshold = 1 << 15;

    /// <summary>
    /// How many parts a pass over <paramref name="elements"/> splits into: 1 when it is small, else the available
    /// threads but no more than the <paramref name="units"/> it can be divided into (planes, channels, rows).
    /// </summary>
    public static int PartsFor(long elements, long units = int.MaxValue) =>
        elements < ParallelThreshold ? 1 : (int)Math.Clamp(units, 1, AvailableThreads);

    /// <summary>Part <paramref name="part"/> of <paramref name="parts"/> of <c>[0, count)</c>: the one rule pieces split their units by.</summary>
    public static (int Start, int End) Share(int count, int part, int parts) =>
        ((int)((long)count * part / parts), (int)((long)count * (part + 1) / parts));

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
            int call = ++calls;
            for (int w = 0; w < partCount - 1; w++) workers[w].Assign(call);

            try
            {
                inPiece = true;
                work.Execute(0, partCount);
                // Pieces whose worker has not started yet: run them here rather than wait for it to be scheduled.
                for (int p = 1; p < partCount; p++)
                    if (TryClaim(p, call)) RunPiece(p);
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

    /// <summary>
    /// Takes piece <paramref name="part"/> of call <paramref name="call"/> unless someone already has. A worker that
    /// wakes late for an old call finds the piece's claim at that call or newer and leaves it (and the call's state) alone.
    /// </summary>
    static bool TryClaim(int part, int call)
    {
        ref int claim = ref claims[part];
        for (int seen = Volatile.Read(ref claim); seen - call < 0; seen = Volatile.Read(ref claim))
            if (Interlocked.CompareExchange(ref claim, call, seen) == seen) return true;
        return false;
    }

    /// <summary>Runs a claimed piece of the call in flight (which waits for it), recording its exception for the caller.</summary>
    static void RunPiece(int part)
    {
        try
        {
            invoke(state, part, parts);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref failure, ExceptionDispatchInfo.Capture(e), null);
        }
        if (Interlocked.Decrement(ref pending) == 0) Done.Set();
    }

    static void EnsureWorkers(int needed)
    {
        if (workers.Length >= needed) return;
        var grown = new Worker[needed];
        workers.CopyTo(grown, 0);
        for (int w = workers.Length; w < needed; w++) grown[w] = new Worker(w + 1);
        // Claims first: a new worker may look at its piece's claim as soon as it is handed a call. New pieces start
        // as taken by the last call, so the next one can claim them (calls wrap around; claims compare by difference).
        if (claims.Length < needed + 1)
        {
            int old = claims.Length;
            Array.Resize(ref claims, needed + 1);
            claims.AsSpan(old).Fill(calls);
        }
        workers = grown;
    }

    /// <remarks>
    /// A worker runs only the calls handed to it (<see cref="Assign"/>), each once. It never reads the shared call
    /// state on its own initiative: a worker that looked at a global call counter could wake late, pick up the
    /// next call's state, and run a piece twice or after its call had ended.
    /// </remarks>
    sealed class Worker
    {
        readonly SemaphoreSlim signal = new(0);
        readonly int part;
        int assigned; // the last call handed to this worker
        int done;     // the last call it ran
        int sleeping;

        public Worker(int part)
        {
            this.part = part;
            new Thread(Loop) { IsBackground = true, Name = $"Corvid kernel worker {part}" }.Start();
        }

        /// <summary>Hands call <paramref name="call"/> (already published) to this worker and wakes it if it sleeps.</summary>
        public void Assign(int call)
        {
            Volatile.Write(ref assigned, call);
            if (Interlocked.Exchange(ref sleeping, 0) == 1) signal.Release();
        }

        void Loop()
        {
            inPiece = true;
            while (true)
            {
                // A call this worker claims cannot end (nor the next be assigned) before the piece is done: its caller
                // waits for it. A call whose piece the caller took may already be over: then nothing of it is read.
                done = WaitForCall();
                if (TryClaim(part, done)) RunPiece(part);
            }
        }

        int WaitForCall()
        {
            long deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * SpinMicroseconds / 1_000_000;
            while (Stopwatch.GetTimestamp() < deadline)
            {
                int call = Volatile.Read(ref assigned);
                if (call != done) return call;
                Thread.SpinWait(20);
            }
            // Announce the sleep, then look once more: an assignment in between either sees the
            // flag (and releases the semaphore) or is seen here (and the flag is taken back).
            Interlocked.Exchange(ref sleeping, 1);
            if (Volatile.Read(ref assigned) != done && Interlocked.Exchange(ref sleeping, 0) == 1) return Volatile.Read(ref assigned);
            signal.Wait();
            return Volatile.Read(ref assigned);
        }
    }
}
