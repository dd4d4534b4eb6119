using System.Numerics.Tensors;
using Corvid.Tensors.Autograd;
using Corvid.Tensors.Kernels;

namespace Corvid.Tensors;

/// <summary>
/// Scaled dot-product attention in one pass per query row: scores, softmax and the product with V
/// are computed row by row with a running buffer of one row, never the [L, S] matrix per head. The
/// forward keeps only each row's log-sum-exp; the backward recomputes the probabilities from it
/// (the FlashAttention scheme). Heads run in parallel on the worker pool.
/// </summary>
internal static unsafe class FusedAttention
{
    /// <summary>
    /// q [B, H, L, D], k [B, H, S, D], v [B, H, S, Dv] → [B, H, L, Dv]. <paramref name="keyPadding"/>
    /// [B, S] is true where a key must be ignored; <paramref name="causal"/> lets query i see keys j ≤ i.
    /// </summary>
    public static Tensor Apply(Tensor q, Tensor k, Tensor v, bool causal, Tensor? keyPadding, float scale)
    {
        var geometry = Geometry.Of(q, k, v, keyPadding);
        if (q.Numel == 0 || k.Numel == 0 || v.Numel == 0) return Composite(q, k, v, causal, keyPadding, scale);
        var qc = q.Contiguous();
        var kc = k.Contiguous();
        var vc = v.Contiguous();
        var bias = KeyBias(keyPadding, geometry);
        var output = Tensor.Empty([geometry.B, geometry.H, geometry.L, geometry.Dv]);
        var lse = new float[geometry.B * geometry.H * geometry.L];
        fixed (float* qp = &qc.F[qc.Offset], kp = &kc.F[kc.Offset], vp = &vc.F[vc.Offset], op = output.F, lp = lse, bp = bias)
        {
            var work = new ForwardWork { G = geometry, Q = qp, K = kp, V = vp, O = op, Lse = lp, Bias = bias is null ? null : bp, Causal = causal, Scale = scale };
            WorkerPool.Run(ref work, Math.Min(WorkerPool.AvailableThreads, geometry.B * geometry.H));
        }
        return Graph.Record("ScaledDotProductAttentionBackward", output, (g, needs) =>
        {
            if (GradMode.IsEnabled)
            {
                // A differentiable backward was asked for (createGraph): recompute with composite ops.
                var composite = Composite(q, k, v, causal, keyPadding, scale);
                var inputs = new[] { q, k, v }.Where((_, i) => needs[i]).ToList();
                var grads = AutogradEngine.Grad([composite], inputs, [g], createGraph: true);
                var result = new Tensor?[3];
                for (int i = 0, j = 0; i < 3; i++) if (needs[i]) result[i] = grads[j++];
                return result;
            }
            return Backward(qc, kc, vc, output, lse, bias, g, geometry, causal, scale);
        }, q, k, v);
    }

    /// <summary>The same attention written with ordinary ops (materialises the scores).</summary>
    public static Tensor Composite(Tensor q, Tensor k, Tensor v, bool causal, Tensor? keyPadding, float scale)
    {
        var scores = q.Matmul(k.MT) * scale; // [B, H, L, S]
        int l = q.Shape[^2], s = k.Shape[^2];
        if (causal)
        {
            var blocked = new bool[l * s];
            for (int i = 0; i < l; i++)
                for (int j = i + 1; j < s; j++) blocked[i * s + j] = true;
            scores = scores.MaskedFill(Tensor.FromArray(blocked, l, s), float.NegativeInfinity);
        }
        if (keyPadding is not null) scores = scores.MaskedFill(keyPadding.Reshape(keyPadding.Shape[0], 1, 1, s), float.NegativeInfinity);
        return scores.Softmax(-1).Matmul(v);
    }

    private static Tensor?[] Backward(Tensor q, Tensor k, Tensor v, Tensor o, float[] lse, float[]? bias, Tensor gradOut, Geometry geometry, bool causal, float scale)
    {
        var dO = gradOut.Contiguous();
        var dq = Tensor.Zeros(q.Shape.ToArray());
        var dk = Tensor.Zeros(k.Shape.ToArray());
        var dv = Tensor.Zeros(v.Shape.ToArray());
        fixed (float* qp = &q.F[q.Offset], kp = &k.F[k.Offset], vp = &v.F[v.Offset], op = o.F, lp = lse, bp = bias,
               dop = &dO.F[dO.Offset], dqp = dq.F, dkp = dk.F, dvp = dv.F)
        {
            var work = new BackwardWork
            {
                G = geometry, Q = qp, K = kp, V = vp, O = op, Lse = lp, Bias = bias is null ? null : bp, Causal = causal, Scale = scale,
                DO = dop, DQ = dqp, DK = dkp, DV = dvp,
            };
            WorkerPool.Run(ref work, Math.Min(WorkerPool.AvailableThreads, geometry.B * geometry.H));
        }
        return [dq, dk, dv];
    }

    /// <summary>0 for visible keys and −∞ for padded ones, per batch: [B, S].</summary>
    private static float[]? KeyBias(Tensor? keyPadding, Geometry g)
    {
        if (keyPadding is null) return null;
        var blocked = keyPadding.ToBoolArray();
        var bias = new float[g.B * g.S];
        for (int i = 0; i < bias.Length; i++) bias[i] = blocked[i] ? float.NegativeInfinity : 0f;
        return bias;
    }

    internal readonly record struct Geometry(int B, int H, int L, int S, int D, int Dv)
    {
        public static Geometry Of(Tensor q, Tensor k, Tensor v, Tensor? keyPadding)
        {
            if (q.Rank != 4 || k.Rank != 4 || v.Rank != 4)
                throw new ArgumentException($"attention: expected [B, H, L, D] operands, got {ShapeMath.Format(q.shape)}, {ShapeMath.Format(k.shape)}, {ShapeMath.Format(v.shape)}");
            int b = q.shape[0], h = q.shape[1], l = q.shape[2], d = q.shape[3], s = k.shape[2], dv = v.shape[3];
            if (k.shape[0] != b || k.shape[1] != h || k.shape[3] != d || v.shape[0] != b || v.shape[1] != h || v.shape[2] != s)
                throw new ArgumentException($"attention: query {ShapeMath.Format(q.shape)}, key {ShapeMath.Format(k.shape)} and value {ShapeMath.Format(v.shape)} do not fit together");
            if (keyPadding is not null && (keyPadding.Rank != 2 || keyPadding.shape[0] != b || keyPadding.shape[1] != s))
                throw new ArgumentException($"attention: key padding mask must be [{b}, {s}], got {ShapeMath.Format(keyPadding.shape)}");
            return new Geometry(b, h, l, s, d, dv);
        }
    }

    /// <summary>The keys query row i may see: all, or j ≤ i when causal.</summary>
    private static int VisibleKeys(int i, int s, bool causal) => causal ? Math.Min(i + 1, s) : s;

    private struct ForwardWork : IParallelWork
    {
        public Geometry G;
        public float* Q, K, V, O, Lse, Bias;
        public bool Causal;
        public float Scale;

        public void Execute(int part, int parts)
        {
            var g = G;
            var scores = System.Buffers.ArrayPool<float>.Shared.Rent(g.S);
            try
            {
                Rows(g, scores, part, parts);
            }
            finally
            {
                System.Buffers.ArrayPool<float>.Shared.Return(scores);
            }
        }

        private readonly void Rows(Geometry g, float[] scores, int part, int parts)
        {
            for (int bh = part; bh < g.B * g.H; bh += parts)
            {
                int b = bh / g.H;
                float* q = Q + (long)bh * g.L * g.D, k = K + (long)bh * g.S * g.D, v = V + (long)bh * g.S * g.Dv, o = O + (long)bh * g.L * g.Dv;
                for (int i = 0; i < g.L; i++)
                {
                    var qi = new ReadOnlySpan<float>(q + (long)i * g.D, g.D);
                    int visible = VisibleKeys(i, g.S, Causal);
                    float max = float.NegativeInfinity;
                    for (int j = 0; j < visible; j++)
                    {
                        float sc = Scale * TensorPrimitives.Dot(qi, new ReadOnlySpan<float>(k + (long)j * g.D, g.D));
                        if (Bias != null) sc += Bias[b * g.S + j];
                        scores[j] = sc;
                        if (sc > max) max = sc;
                    }
                    var oi = new Span<float>(o + (long)i * g.Dv, g.Dv);
                    oi.Clear();
                    float sum = 0f;
                    for (int j = 0; j < visible; j++)
                    {
                        float p = MathF.Exp(scores[j] - max);
                        sum += p;
                        if (p != 0f) TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(v + (long)j * g.Dv, g.Dv), p, oi, oi);
                    }
                    // A row with every key blocked has no distribution: NaN, as PyTorch's softmax gives.
                    TensorPrimitives.Multiply(oi, 1f / sum, oi);
                    Lse[(long)bh * g.L + i] = max + MathF.Log(sum);
                }
            }
        }
    }

    private struct BackwardWork : IParallelWork
    {
        public Geometry G;
        public float* Q, K, V, O, Lse, Bias, DO, DQ, DK, DV;
        public bool Causal;
        public float Scale;

        public void Execute(int part, int parts)
        {
            var g = G;
            for (int bh = part; bh < g.B * g.H; bh += parts)
            {
                int b = bh / g.H;
                long qOff = (long)bh * g.L * g.D, kOff = (long)bh * g.S * g.D, vOff = (long)bh * g.S * g.Dv, oOff = (long)bh * g.L * g.Dv;
                for (int i = 0; i < g.L; i++)
                {
                    var qi = new ReadOnlySpan<float>(Q + qOff + (long)i * g.D, g.D);
                    var doi = new ReadOnlySpan<float>(DO + oOff + (long)i * g.Dv, g.Dv);
                    var dqi = new Span<float>(DQ + qOff + (long)i * g.D, g.D);
                    float delta = TensorPrimitives.Dot(doi, new ReadOnlySpan<float>(O + oOff + (long)i * g.Dv, g.Dv));
                    float lse = Lse[(long)bh * g.L + i];
                    int visible = VisibleKeys(i, g.S, Causal);
                    for (int j = 0; j < visible; j++)
                    {
                        var kj = new ReadOnlySpan<float>(K + kOff + (long)j * g.D, g.D);
                        float sc = Scale * TensorPrimitives.Dot(qi, kj);
                        if (Bias != null) sc += Bias[b * g.S + j];
                        float p = MathF.Exp(sc - lse);
                        if (p == 0f) continue;
                        var vj = new ReadOnlySpan<float>(V + vOff + (long)j * g.Dv, g.Dv);
                        var dvj = new Span<float>(DV + vOff + (long)j * g.Dv, g.Dv);
                        TensorPrimitives.MultiplyAdd(doi, p, dvj, dvj);                 // dV_j += p_ij · dO_i
                        float ds = p * (TensorPrimitives.Dot(doi, vj) - delta) * Scale; // dS_ij, scaled
                        TensorPrimitives.MultiplyAdd(kj, ds, dqi, dqi);                 // dQ_i += dS_ij · K_j
                        var dkj = new Span<float>(DK + kOff + (long)j * g.D, g.D);
                        TensorPrimitives.MultiplyAdd(qi, ds, dkj, dkj);                 // dK_j += dS_ij · Q_i
                    }
                }
            }
        }
    }
}
