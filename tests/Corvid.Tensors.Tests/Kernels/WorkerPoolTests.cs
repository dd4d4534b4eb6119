using Corvid.Tensors.Kernels;

namespace Corvid.Tensors.Tests.Kernels;

/// <summary>Every piece of every call runs exactly once, also when calls of different widths follow each other closely.</summary>
public class WorkerPoolTests
{
    unsafe struct CountPieces : IParallelWork
    {
        public int* Runs;

        public readonly void Execute(int part, int parts) => Interlocked.Increment(ref Runs[part]);
    }

    [Fact]
    public unsafe void Calls_of_two_and_three_pieces_in_a_row_run_each_piece_once()
    {
        // A worker left out of a two-piece call must not pick up the next three-piece call's state on its own: it
        // used to be able to, when preempted at the wrong moment, and then ran a piece twice or after its call had
        // ended (a null work pointer, seen once in ConvThreadingTests on a loaded machine). The race needs that
        // preemption, so this test exercises the pattern rather than reproducing the old failure every time.
        var runs = new int[3];
        fixed (int* r = runs)
        {
            for (int call = 0; call < 20_000; call++)
            {
                int parts = 2 + call % 2;
                Array.Clear(runs);
                var work = new CountPieces { Runs = r };
                WorkerPool.Run(ref work, parts);
                for (int p = 0; p < parts; p++)
                    Assert.True(runs[p] == 1, $"call {call}: piece {p} of {parts} ran {runs[p]} times");
            }
        }
    }

    [Fact]
    public unsafe void Pieces_of_late_workers_run_once_whoever_takes_them()
    {
        // The caller takes the pieces of workers that have not started when its own piece is done. After a pause the
        // workers sleep, so a call of trivial pieces mostly ends before they wake; threads spinning on every core
        // preempt workers at random points, between waking and taking a piece or after. Each piece must still run
        // exactly once per call, and never for a call that has ended.
        using var stop = new CancellationTokenSource();
        var hogs = Enumerable.Range(0, Environment.ProcessorCount)
            .Select(_ => new Thread(() => { while (!stop.IsCancellationRequested) Thread.SpinWait(100); }) { IsBackground = true })
            .ToArray();
        foreach (var hog in hogs) hog.Start();
        var runs = new int[4];
        try
        {
            fixed (int* r = runs)
            {
                for (int call = 0; call < 3_000; call++)
                {
                    if (call % 50 == 0) Thread.Sleep(1);
                    int parts = 2 + call % 3;
                    Array.Clear(runs);
                    var work = new CountPieces { Runs = r };
                    WorkerPool.Run(ref work, parts);
                    for (int p = 0; p < 4; p++)
                        Assert.True(runs[p] == (p < parts ? 1 : 0), $"call {call}: piece {p} of {parts} ran {runs[p]} times");
                }
            }
        }
        finally
        {
            stop.Cancel();
            foreach (var hog in hogs) hog.Join();
        }
    }
}
