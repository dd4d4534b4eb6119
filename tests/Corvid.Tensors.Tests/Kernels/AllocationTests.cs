using Corvid.Tensors.Kernels;

namespace Corvid.Tensors.Tests.Kernels;

/// <summary>
/// Kernels allocate nothing per call once warm: operands are pinned with <c>fixed</c>, work is handed to
/// the pool as structs, and packing buffers belong to the thread and are reused.
/// </summary>
[Collection(ThreadsCollection.Name)]
public class AllocationTests
{
    [Fact]
    public void Warm_kernels_allocate_nothing_on_the_calling_thread()
    {
        var g = new Conv2dGeometry(2, 40, 12, 12, 48, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        var depthwise = new Conv2dGeometry(2, 16, 12, 12, 16, 7, 7, 1, 1, 3, 3, 1, 1, 16);
        var a = GemmTests.Random(300 * 200, 1);
        var b = GemmTests.Random(200 * 250, 2);
        var c = new float[300 * 250];
        var x = GemmTests.Random((int)g.InputLength, 3);
        var w = GemmTests.Random((int)g.WeightLength, 4);
        var bias = GemmTests.Random(g.OutChannels, 5);
        var y = new float[g.OutputLength];
        var dx = new float[g.InputLength];
        var dw = new float[g.WeightLength];
        var dwx = GemmTests.Random((int)depthwise.InputLength, 6);
        var dww = GemmTests.Random((int)depthwise.WeightLength, 7);
        var dwy = new float[depthwise.OutputLength];
        void Calls()
        {
            Gemm.Multiply(300, 250, 200, a, 200, 1, b, 250, 1, c, 250, false);   // blocked
            Gemm.Multiply(3, 250, 200, a, 200, 1, b, 250, 1, c, 250, false);     // skinny, axpy form
            Gemm.Multiply(20, 250, 200, a, 200, 1, b, 1, 200, c, 250, false);    // skinny, dot form
            Conv2d.Forward(g, x, w, bias, y);
            Conv2d.BackwardInput(g, y, w, dx);
            Conv2d.BackwardWeight(g, y, x, dw);
            Conv2d.Forward(depthwise, dwx, dww, [], dwy);
        }
        foreach (int threads in new[] { 1, 2 })
        {
            int saved = Threads.Count;
            try
            {
                Threads.Count = threads;
                Calls(); // first calls size the thread's buffers and start the pool
                Calls();
                var report = new System.Text.StringBuilder();
                void Measure(string name, Action call)
                {
                    long before = GC.GetAllocatedBytesForCurrentThread();
                    call();
                    long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
                    if (bytes != 0) report.Append($"{name} at {threads} threads: {bytes} bytes; ");
                }
                Measure("blocked", () => Gemm.Multiply(300, 250, 200, a, 200, 1, b, 250, 1, c, 250, false));
                Measure("axpy", () => Gemm.Multiply(3, 250, 200, a, 200, 1, b, 250, 1, c, 250, false));
                Measure("dot", () => Gemm.Multiply(20, 250, 200, a, 200, 1, b, 1, 200, c, 250, false));
                Measure("fwd", () => Conv2d.Forward(g, x, w, bias, y));
                Measure("bwdx", () => Conv2d.BackwardInput(g, y, w, dx));
                Measure("bwdw", () => Conv2d.BackwardWeight(g, y, x, dw));
                Measure("dw", () => Conv2d.Forward(depthwise, dwx, dww, [], dwy));
                Assert.Equal("", report.ToString());
            }
            finally
            {
                Threads.Count = saved;
            }
        }
    }
}
