namespace Corvid.Tensors.Kernels;

/// <summary>
/// Runs a batch of equal-shape products. With at least as many products as threads, each thread takes
/// a contiguous run of whole products (no synchronisation inside one); otherwise the products run one
/// after another, each split across the threads. Either way every product is computed exactly as a
/// lone call would compute it.
/// </summary>
internal static unsafe class GemmBatch
{
    public static void Run(in GemmOperands first, int batch, long aStride, long bStride, long cStride)
    {
        int threads = WorkerPool.AvailableThreads;
        if (batch >= threads && threads > 1)
        {
            var work = new Work { First = first, Batch = batch, AStride = aStride, BStride = bStride, CStride = cStride };
            WorkerPool.Run(ref work, threads);
            return;
        }
        for (int t = 0; t < batch; t++) Gemm.Run(At(first, t, aStride, bStride, cStride), GemmIsaSelection.Best);
    }

    static GemmOperands At(in GemmOperands first, int t, long aStride, long bStride, long cStride)
    {
        var op = first;
        op.A += t * aStride;
        op.B += t * bStride;
        op.C += t * cStride;
        return op;
    }

    struct Work : IParallelWork
    {
        public GemmOperands First;
        public int Batch;
        public long AStride, BStride, CStride;

        public readonly void Execute(int part, int parts)
        {
            var (start, end) = WorkerPool.Share(Batch, part, parts);
            // Inside a piece the pool is busy, so each product runs on this thread alone.
            for (int t = start; t < end; t++) Gemm.Run(At(First, t, AStride, BStride, CStride), GemmIsaSelection.Best);
        }
    }
}
