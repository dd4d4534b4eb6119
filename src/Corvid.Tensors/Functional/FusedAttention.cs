using System.Numerics.Tensors;
using Corvid.Tensors.Autograd;
using Corvid.Tensors.Kernels;

namespace Corvid.Tensors;

/// <summary>
/// Scaled dot-product attention by blocks of query rows: for each block the scores against the keys
/// (one GEMM), the softmax in place with SIMD, and the product with V (a second GEMM), in a buffer of
/// one block, never the [L, S] matrix per head. The forward keeps only each row's log-sum-exp; the
/// backward recomputes the probabilities from it block by block (the FlashAttention scheme) and forms
/// dV, dP, dQ and dK as four more GEMMs per block. Blocks (forward) and heads (backward, whose dK and dV
/// sum over all query blocks) run in parallel on the worker pool; the GEMMs inside a piece run on its thread.
/// Operands are read in place whatever their head layout as long as each row is contiguous, so the
/// [B, L, H, D] projections of a multi-head module, viewed as [B, H, L, D], need no copy; the output and
/// the gradients are laid out like the query (and the key and value), so the module's views back are free too.
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
        var qc = RowMajorHeads(q);
        var kc = RowMajorHeads(k);
        var vc = RowMajorHeads(v);
        var bias = KeyBias(keyPadding, geometry);
        var output = NewLike(qc, geometry.Dv, zeroed: false);
        var lse = Forward(qc, kc, vc, output, bias, geometry, causal, scale);
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
            var dq = NewLike(qc, geometry.D, zeroed: true);
            var dk = NewLike(kc, geometry.D, zeroed: true);
            var dv = NewLike(vc, geometry.Dv, zeroed: true);
            Backward(qc, kc, vc, output, lse, bias, g, geometry, causal, scale, dq, dk, dv);
            return [dq, dk, dv];
        }, q, k, v);
    }

    /// <summary>
    /// Self-attention on packed projections: <paramref name="qkv"/> [B, L, 3·H·D] holds each token's query, key and
    /// value side by side, as one in-projection GEMM (torch's in_proj_weight [3d, d]) makes them → [B, H, L, D], stored
    /// [B, L, H, D] so the output projection reads it as [B, L, H·D] without a copy. The backward writes dQ, dK and dV
    /// into one [B, L, 3·H·D] gradient, so the in-projection's backward stays one GEMM per operand, with no slice
    /// gradients to zero-fill and add up. Under createGraph the backward is the composite attention on slices of qkv.
    /// </summary>
    public static Tensor ApplyPacked(Tensor qkv, int heads, bool causal, Tensor? keyPadding, float scale)
    {
        if (qkv.Rank != 3 || heads <= 0 || qkv.shape[2] % (3 * heads) != 0)
            throw new ArgumentException($"attention: packed q/k/v must be [B, L, 3·{heads}·D], got {ShapeMath.Format(qkv.shape)}");
        int b = qkv.shape[0], l = qkv.shape[1], d = qkv.shape[2] / (3 * heads);
        if (qkv.Numel == 0 || l == 0)
        {
            var (q0, k0, v0) = SplitPacked(qkv, heads);
            return Composite(q0, k0, v0, causal, keyPadding, scale);
        }
        var packed = qkv;
        Tensor q, k, v, output;
        using (GradMode.NoGrad())
        {
            if (!packed.IsContiguous) packed = packed.Contiguous();
            (q, k, v) = SplitPacked(packed, heads);
            output = Tensor.Empty([b, l, heads, d]).Transpose(1, 2);
        }
        var geometry = Geometry.Of(q, k, v, keyPadding);
        var bias = KeyBias(keyPadding, geometry);
        var lse = Forward(q, k, v, output, bias, geometry, causal, scale);
        return Graph.Record("ScaledDotProductAttentionBackward", output, (g, _) =>
        {
            if (GradMode.IsEnabled)
            {
                var (qs, ks, vs) = SplitPacked(qkv, heads);
                return AutogradEngine.Grad([Composite(qs, ks, vs, causal, keyPadding, scale)], [qkv], [g], createGraph: true);
            }
            Tensor gradient, dq, dk, dv;
            using (GradMode.NoGrad())
            {
                gradient = Tensor.Zeros(b, l, 3 * heads * d);
                (dq, dk, dv) = SplitPacked(gradient, heads);
            }
            Backward(q, k, v, output, lse, bias, g, geometry, causal, scale, dq, dk, dv);
            return [gradient];
        }, qkv);
    }

    /// <summary>The [B, H, L, D] query, key and value views of a packed [B, L, 3·H·D] tensor (differentiable when grad mode is on).</summary>
    private static (Tensor Q, Tensor K, Tensor V) SplitPacked(Tensor qkv, int heads)
    {
        int b = qkv.shape[0], l = qkv.shape[1], d = qkv.shape[2] / (3 * heads);
        var parts = qkv.Reshape(b, l, 3, heads, d);
        return (parts.Select(2, 0).Transpose(1, 2), parts.Select(2, 1).Transpose(1, 2), parts.Select(2, 2).Transpose(1, 2));
    }

    /// <summary>Runs the forward blocks into <paramref name="output"/>; returns each query row's log-sum-exp for the backward.</summary>
    private static float[] Forward(Tensor q, Tensor k, Tensor v, Tensor output, float[]? bias, Geometry geometry, bool causal, float scale)
    {
        var lse = new float[geometry.B * geometry.H * geometry.L];
        fixed (float* qp = &q.F[q.Offset], kp = &k.F[k.Offset], vp = &v.F[v.Offset], op = &output.F[output.Offset], lp = lse, bp = bias)
        {
            var work = new ForwardWork
            {
                G = geometry, Q = qp, K = kp, V = vp, O = op, Lse = lp, Bias = bias is null ? null : bp, Causal = causal, Scale = scale,
                QL = Heads.Of(q), KL = Heads.Of(k), VL = Heads.Of(v), OL = Heads.Of(output),
            };
            WorkerPool.Run(ref work, Math.Min(WorkerPool.AvailableThreads, geometry.B * geometry.H));
        }
        return lse;
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

    /// <summary>The backward blocks: dQ, dK and dV (zeroed: dK and dV sum over the query blocks) are filled in place.</summary>
    private static void Backward(Tensor q, Tensor k, Tensor v, Tensor o, float[] lse, float[]? bias, Tensor gradOut, Geometry geometry, bool causal, float scale,
        Tensor dq, Tensor dk, Tensor dv)
    {
        var dO = RowMajorHeads(gradOut);
        fixed (float* qp = &q.F[q.Offset], kp = &k.F[k.Offset], vp = &v.F[v.Offset], op = &o.F[o.Offset], lp = lse, bp = bias,
               dop = &dO.F[dO.Offset], dqp = &dq.F[dq.Offset], dkp = &dk.F[dk.Offset], dvp = &dv.F[dv.Offset])
        {
            var work = new BackwardWork
            {
                G = geometry, Q = qp, K = kp, V = vp, O = op, Lse = lp, Bias = bias is null ? null : bp, Causal = causal, Scale = scale,
                DO = dop, DQ = dqp, DK = dkp, DV = dvp,
                QL = Heads.Of(q), KL = Heads.Of(k), VL = Heads.Of(v), OL = Heads.Of(o), DOL = Heads.Of(dO),
                DQL = Heads.Of(dq), DKL = Heads.Of(dk), DVL = Heads.Of(dv),
            };
            WorkerPool.Run(ref work, Math.Min(WorkerPool.AvailableThreads, geometry.B * geometry.H));
        }
    }

    /// <summary>Where head bh's rows start in a [B, H, rows, width] operand with unit column stride, and how far apart its rows are.</summary>
    private readonly record struct Heads(int BStride, int HStride, int RowStride)
    {
        public static Heads Of(Tensor t) => new(t.strides[0], t.strides[1], t.strides[2]);
        public long Head(int bh, int heads) => (long)(bh / heads) * BStride + (long)(bh % heads) * HStride;
    }

    /// <summary>t itself when every row is contiguous and no stride is negative (any head layout); otherwise a contiguous copy.</summary>
    private static Tensor RowMajorHeads(Tensor t) =>
        (t.strides[3] == 1 || t.shape[3] == 1) && t.strides[0] >= 0 && t.strides[1] >= 0 && t.strides[2] >= 0 ? t : t.Contiguous();

    /// <summary>True when t is a [B, L, H, D] tensor viewed as [B, H, L, D] (a multi-head module's split projections).</summary>
    private static bool InterleavedHeads(Tensor t) =>
        t.strides[3] == 1 && t.strides[1] == t.shape[3] && t.strides[2] == t.shape[1] * t.shape[3] && t.strides[0] == t.shape[1] * t.shape[2] * t.shape[3];

    /// <summary>A new [B, H, L, width] tensor, stored as [B, L, H, width] when <paramref name="like"/> is, else contiguous.</summary>
    private static Tensor NewLike(Tensor like, int width, bool zeroed)
    {
        int b = like.shape[0], h = like.shape[1], l = like.shape[2];
        if (!InterleavedHeads(like)) return zeroed ? Tensor.Zeros(b, h, l, width) : Tensor.Empty([b, h, l, width]);
        var stored = zeroed ? Tensor.Zeros(b, l, h, width) : Tensor.Empty([b, l, h, width]);
        return stored.Transpose(1, 2);
    }

    /// <summary>The span a GEMM operand of <paramref name="rows"/> rows of <paramref name="width"/> floats, <paramref name="rowStride"/> apart, covers.</summary>
    private static Span<float> RowSpan(float* p, int rows, int rowStride, int width) => new(p, (rows - 1) * rowStride + width);

    /// <summary>
    /// C = A·B on the packed, register-blocked GEMM even when C has only a head's width of columns (32 or 64),
    /// where <see cref="Gemm.Multiply(int, int, int, ReadOnlySpan{float}, int, int, ReadOnlySpan{float}, int, int, Span{float}, int, bool)"/>
    /// would take the unpacked dot-product path: with a whole block of rows (up to 128) the packed path wins here.
    /// Operands are inside the caller's pinned tensors.
    /// </summary>
    private static void Packed(int m, int n, int k, float* a, int aRow, int aCol, float* b, int bRow, int bCol, float* c, int ldc, bool accumulate)
    {
        if (GemmIsaSelection.Best != GemmIsa.Vector512 || m < 16)
        {
            Gemm.Multiply(m, n, k, new ReadOnlySpan<float>(a, (m - 1) * aRow + (k - 1) * aCol + 1), aRow, aCol,
                new ReadOnlySpan<float>(b, (k - 1) * bRow + (n - 1) * bCol + 1), bRow, bCol, RowSpan(c, m, ldc, n), ldc, accumulate);
            return;
        }
        var op = new GemmOperands { M = m, N = n, K = k, A = a, ARow = aRow, ACol = aCol, B = b, BRow = bRow, BCol = bCol, C = c, Ldc = ldc, Accumulate = accumulate };
        GemmBlocked.Multiply<GemmKernel512>(op);
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

    /// <summary>
    /// Query rows per block: as many as keep a block of scores (and, backward, of their gradients) near
    /// 256 KB, so both stay in L2 while the block's GEMMs run; between 16 and 128 rows.
    /// </summary>
    private static int BlockRows(in Geometry g) => Math.Clamp(65536 / Math.Max(g.S, 1), 16, 128);

    private static int Blocks(in Geometry g) => (g.L + BlockRows(g) - 1) / BlockRows(g);

    /// <summary>
    /// Scores of query rows [i0, i0 + rows) of head bh against keys [0, cols): scaled, with the key bias,
    /// and −∞ beyond each row's visible keys. The block is [rows, cols] with leading dimension cols.
    /// With <paramref name="maxima"/>, each row's maximum is written there.
    /// </summary>
    private static void Scores(in Geometry g, float* q, int qRow, float* k, int kRow, float* bias, bool causal, float scale, int i0, int rows, int cols, float* block, float* maxima)
    {
        Gemm.Multiply(rows, cols, g.D,
            RowSpan(q + (long)i0 * qRow, rows, qRow, g.D), qRow, 1,
            RowSpan(k, cols, kRow, g.D), 1, kRow, // Kᵀ read in place: element (p, j) is k[j·kRow + p]
            new Span<float>(block, rows * cols), cols, false);
        for (int r = 0; r < rows; r++)
        {
            float* row = block + (long)r * cols;
            int visible = VisibleKeys(i0 + r, g.S, causal);
            float max = AttentionRows.ScaleAddMax(row, visible, scale, bias);
            new Span<float>(row + visible, cols - visible).Fill(float.NegativeInfinity);
            if (maxima != null) maxima[r] = max;
        }
    }

    /// <summary>Query rows are split into blocks; piece p takes a contiguous range of (head, block) units.</summary>
    private struct ForwardWork : IParallelWork
    {
        public Geometry G;
        public float* Q, K, V, O, Lse, Bias;
        public Heads QL, KL, VL, OL;
        public bool Causal;
        public float Scale;

        public readonly void Execute(int part, int parts)
        {
            var g = G;
            int blockRows = BlockRows(g), blocks = Blocks(g), units = g.B * g.H * blocks;
            var (start, end) = WorkerPool.Share(units, part, parts);
            if (start == end) return;
            var buffer = System.Buffers.ArrayPool<float>.Shared.Rent(blockRows * g.S + blockRows);
            try
            {
                fixed (float* block = buffer)
                {
                    for (int unit = start; unit < end; unit++) Block(g, unit / blocks, unit % blocks * blockRows, blockRows, block, block + blockRows * g.S);
                }
            }
            finally
            {
                System.Buffers.ArrayPool<float>.Shared.Return(buffer);
            }
        }

        private readonly void Block(in Geometry g, int bh, int i0, int blockRows, float* block, float* inverseSums)
        {
            int rows = Math.Min(blockRows, g.L - i0);
            int cols = Causal ? Math.Min(i0 + rows, g.S) : g.S;
            float* q = Q + QL.Head(bh, g.H), k = K + KL.Head(bh, g.H), v = V + VL.Head(bh, g.H), o = O + OL.Head(bh, g.H);
            float* bias = Bias == null ? null : Bias + (long)(bh / g.H) * g.S;
            if (cols == 0)
            {
                // No key at all: every row is an empty distribution (NaN, as PyTorch's softmax of nothing).
                for (int r = 0; r < rows; r++) new Span<float>(o + (long)(i0 + r) * OL.RowStride, g.Dv).Fill(float.NaN);
                new Span<float>(Lse + (long)bh * g.L + i0, rows).Fill(float.NaN);
                return;
            }
            Scores(g, q, QL.RowStride, k, KL.RowStride, bias, Causal, Scale, i0, rows, cols, block, inverseSums);
            for (int r = 0; r < rows; r++)
            {
                float max = inverseSums[r];
                float sum = AttentionRows.ExpSum(block + (long)r * cols, cols, max);
                // A row with every key blocked has no distribution: max is −∞ and the row NaN, as PyTorch's softmax gives.
                inverseSums[r] = 1f / sum;
                Lse[(long)bh * g.L + i0 + r] = max + MathF.Log(sum);
            }
            float* oBlock = o + (long)i0 * OL.RowStride;
            Packed(rows, g.Dv, cols, block, cols, 1, v, VL.RowStride, 1, oBlock, OL.RowStride, false);
            for (int r = 0; r < rows; r++)
            {
                var orow = new Span<float>(oBlock + (long)r * OL.RowStride, g.Dv);
                TensorPrimitives.Multiply(orow, inverseSums[r], orow);
            }
        }
    }

    /// <summary>Piece p takes a contiguous range of heads: each head's dK and dV sum over all its query blocks.</summary>
    private struct BackwardWork : IParallelWork
    {
        public Geometry G;
        public float* Q, K, V, O, Lse, Bias, DO, DQ, DK, DV;
        public Heads QL, KL, VL, OL, DOL, DQL, DKL, DVL;
        public bool Causal;
        public float Scale;

        public readonly void Execute(int part, int parts)
        {
            var g = G;
            int heads = g.B * g.H, blockRows = BlockRows(g);
            var (start, end) = WorkerPool.Share(heads, part, parts);
            if (start == end) return;
            var buffer = System.Buffers.ArrayPool<float>.Shared.Rent(2 * blockRows * g.S);
            try
            {
                fixed (float* p = buffer)
                {
                    for (int bh = start; bh < end; bh++)
                        for (int i0 = 0; i0 < g.L; i0 += blockRows) Block(g, bh, i0, blockRows, p, p + blockRows * g.S);
                }
            }
            finally
            {
                System.Buffers.ArrayPool<float>.Shared.Return(buffer);
            }
        }

        private readonly void Block(in Geometry g, int bh, int i0, int blockRows, float* probabilities, float* scoreGrads)
        {
            int rows = Math.Min(blockRows, g.L - i0);
            int cols = Causal ? Math.Min(i0 + rows, g.S) : g.S;
            if (cols == 0) return;
            int qRow = QL.RowStride, kRow = KL.RowStride, vRow = VL.RowStride, oRow = OL.RowStride, doRow = DOL.RowStride;
            float* q = Q + QL.Head(bh, g.H), k = K + KL.Head(bh, g.H), v = V + VL.Head(bh, g.H);
            float* o = O + OL.Head(bh, g.H) + (long)i0 * oRow, dO = DO + DOL.Head(bh, g.H) + (long)i0 * doRow;
            float* dq = DQ + DQL.Head(bh, g.H) + (long)i0 * DQL.RowStride, dk = DK + DKL.Head(bh, g.H), dv = DV + DVL.Head(bh, g.H);
            float* bias = Bias == null ? null : Bias + (long)(bh / g.H) * g.S;
            var qBlock = RowSpan(q + (long)i0 * qRow, rows, qRow, g.D);
            var doBlock = RowSpan(dO, rows, doRow, g.Dv);

            // P = exp(scores − lse), recomputed from the forward's log-sum-exp.
            Scores(g, q, qRow, k, kRow, bias, Causal, Scale, i0, rows, cols, probabilities, null);
            for (int r = 0; r < rows; r++) AttentionRows.ExpSum(probabilities + (long)r * cols, cols, Lse[(long)bh * g.L + i0 + r]);
            var pBlock = new ReadOnlySpan<float>(probabilities, rows * cols);

            // dV[0, cols) += Pᵀ · dO
            Gemm.Multiply(cols, g.Dv, rows, pBlock, 1, cols, doBlock, doRow, 1, RowSpan(dv, cols, DVL.RowStride, g.Dv), DVL.RowStride, true);
            // dP = dO · Vᵀ
            Gemm.Multiply(rows, cols, g.Dv, doBlock, doRow, 1, RowSpan(v, cols, vRow, g.Dv), 1, vRow,
                new Span<float>(scoreGrads, rows * cols), cols, false);
            // dS = P ∘ (dP − rowsum(dO ∘ O)) · scale (the softmax's backward, with the score scale folded in)
            for (int r = 0; r < rows; r++)
            {
                float delta = TensorPrimitives.Dot(new ReadOnlySpan<float>(dO + (long)r * doRow, g.Dv), new ReadOnlySpan<float>(o + (long)r * oRow, g.Dv));
                AttentionRows.SoftmaxBackward(scoreGrads + (long)r * cols, probabilities + (long)r * cols, cols, delta, Scale);
            }
            var dsBlock = new ReadOnlySpan<float>(scoreGrads, rows * cols);
            // dQ (this block's rows, written once) = dS · K
            Packed(rows, g.D, cols, scoreGrads, cols, 1, k, kRow, 1, dq, DQL.RowStride, false);
            // dK[0, cols) += dSᵀ · Q
            Gemm.Multiply(cols, g.D, rows, dsBlock, 1, cols, qBlock, qRow, 1, RowSpan(dk, cols, DKL.RowStride, g.D), DKL.RowStride, true);
        }
    }
}
