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
}
