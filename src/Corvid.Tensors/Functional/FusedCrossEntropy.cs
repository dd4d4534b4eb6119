using System.Numerics.Tensors;
using Corvid.Tensors.Autograd;
using Corvid.Tensors.Kernels;

namespace Corvid.Tensors;

/// <summary>
/// Cross-entropy of logits [M, C] against class indices as one op, the language-model loss over a vocabulary:
/// the forward keeps only each row's log-sum-exp (not the [M, C] log-probabilities), and the backward writes
/// (softmax − one-hot)·g in one pass per row. The composite form (log_softmax, gather, sum) makes two more [M, C]
/// tensors forward and five backward (a zero-filled scatter, exp, product, difference, row sums). Under createGraph
/// the backward is the composite's, so the gradient can be differentiated again. Rows split statically between
/// threads; each row is computed whole by one thread, so results do not depend on the thread count.
/// </summary>
internal static unsafe class FusedCrossEntropy
{
    /// <summary>
    /// <paramref name="labels"/> holds a valid class per row (0 where ignored); <paramref name="ignored"/> marks the
    /// rows whose target is the ignore index (no loss, no gradient, not counted by the mean), or is null.
    /// <paramref name="composite"/> rebuilds the same loss from ordinary ops, for a differentiable backward.
    /// </summary>
    public static Tensor Apply(Tensor logits, long[] labels, bool[]? ignored, Reduction reduction, Func<Tensor> composite)
    {
        int m = logits.Shape[0], c = logits.Shape[1];
        var x = logits.IsContiguous ? logits : logits.Contiguous().Detach();
        var lse = new float[m];
        var losses = new float[m];
        fixed (float* xp = &x.F[x.Offset], lp = lse, op = losses)
        fixed (long* tp = labels)
        fixed (bool* ip = ignored)
        {
            var work = new Rows { X = xp, Lse = lp, Loss = op, Labels = tp, Ignored = ip, M = m, C = c };
            WorkerPool.Run(ref work, WorkerPool.PartsFor((long)m * c, m));
        }
        int kept = m;
        if (ignored is not null) foreach (bool skip in ignored) if (skip) kept--;

        Tensor result;
        if (reduction == Reduction.None)
        {
            result = Tensor.FromArray(losses, m);
        }
        else
        {
            double sum = 0;
            foreach (float loss in losses) sum += loss;
            // The mean over kept targets, as PyTorch (0/0 = NaN when every target is ignored).
            result = Tensor.Scalar(reduction == Reduction.Mean ? (float)(sum / kept) : (float)sum);
        }
        return Graph.Record("CrossEntropyBackward", result, (g, _) =>
        {
            if (GradMode.IsEnabled) return AutogradEngine.Grad([composite()], [logits], [g], createGraph: true);
            var scale = new float[m];
            var gs = g.Contiguous();
            for (int i = 0; i < m; i++)
            {
                float gi = reduction == Reduction.None ? gs.F[gs.Offset + i] : gs.F[gs.Offset];
                scale[i] = ignored is not null && ignored[i] ? 0f : reduction == Reduction.Mean ? gi / kept : gi;
            }
            var dx = Tensor.Empty([m, c]);
            fixed (float* xp = &x.F[x.Offset], lp = lse, sp = scale, dp = dx.F)
            fixed (long* tp = labels)
            fixed (bool* ip = ignored)
            {
                var work = new Gradient { X = xp, Lse = lp, Scale = sp, Dx = dp, Labels = tp, Ignored = ip, M = m, C = c };
                WorkerPool.Run(ref work, WorkerPool.PartsFor((long)m * c, m));
            }
            return [dx];
        }, logits);
    }

    /// <summary>Each row's log-sum-exp (the log-softmax's stable form: the shift is the row maximum) and its loss.</summary>
    private struct Rows : IParallelWork
    {
        public float* X, Lse, Loss;
        public long* Labels;
        public bool* Ignored;
        public int M, C;

        public readonly void Execute(int part, int parts)
        {
            var (start, end) = WorkerPool.Share(M, part, parts);
            var buffer = System.Buffers.ArrayPool<float>.Shared.Rent(C);
            try
            {
                fixed (float* scratch = buffer)
                {
                    for (int i = start; i < end; i++)
                    {
                        var row = new ReadOnlySpan<float>(X + (long)i * C, C);
                        float max = C == 0 ? 0f : TensorPrimitives.Max(row);
                        if (float.IsInfinity(max)) max = 0f; // as log_softmax: all −∞ (or a +∞) gives NaN, not a shifted ∞ − ∞
                        row.CopyTo(new Span<float>(scratch, C));
                        float lse = max + MathF.Log(AttentionRows.ExpSum(scratch, C, max));
                        Lse[i] = lse;
                        Loss[i] = Ignored != null && Ignored[i] ? 0f : lse - row[(int)Labels[i]];
                    }
                }
            }
            finally
            {
                System.Buffers.ArrayPool<float>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>dx[i, j] = (exp(x[i, j] − lse[i]) − [j = target i])·scale[i]; 0 on ignored rows.</summary>
    private struct Gradient : IParallelWork
    {
        public float* X, Lse, Scale, Dx;
        public long* Labels;
        public bool* Ignored;
        public int M, C;

        public readonly void Execute(int part, int parts)
        {
            var (start, end) = WorkerPool.Share(M, part, parts);
            for (int i = start; i < end; i++)
            {
                float* dx = Dx + (long)i * C;
                var row = new Span<float>(dx, C);
                if (Ignored != null && Ignored[i])
                {
                    row.Clear();
                    continue;
                }
                new ReadOnlySpan<float>(X + (long)i * C, C).CopyTo(row);
                AttentionRows.ExpSum(dx, C, Lse[i]);
                TensorPrimitives.Multiply(row, Scale[i], row);
                dx[Labels[i]] -= Scale[i];
            }
        }
    }
}
