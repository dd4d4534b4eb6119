using System.Text.Json.Nodes;
using Corvid.Tensors.Kernels;

namespace Corvid.Bench;

/// <summary>
/// The shapes benchmarked: square, skinny and batched matmul, the GPT training step's products, ResNet 3x3 and
/// ConvNeXt depthwise 7x7 convolutions, multi-head attention.
/// </summary>
public static class KernelCases
{
    public static IEnumerable<BenchCase> All()
    {
        foreach (int s in new[] { 256, 512, 1024, 2048 })
            yield return Matmul("matmul", $"square {s}", s, s, s, transposedB: false);
        foreach (int m in new[] { 1, 4, 16 })
        {
            yield return Matmul("skinny", $"x·W m={m} 4096x4096", m, 4096, 4096, transposedB: false);
            yield return Matmul("skinny", $"x·Wᵀ m={m} 4096x4096", m, 4096, 4096, transposedB: true);
        }
        yield return Bmm("bmm", "32 x 128x128x64 (Q·Kᵀ)", 32, 128, 128, 64);
        yield return Bmm("bmm", "32 x 128x64x128 (P·V)", 32, 128, 64, 128);
        yield return Bmm("bmm", "8 x 512x512x64", 8, 512, 512, 64);
        foreach (var c in GptProducts()) yield return c;
        // ResNet18's 3x3 stages at batch 8.
        foreach (var (c, hw) in new[] { (64, 56), (128, 28), (256, 14), (512, 7) })
        {
            var g = new Conv2dGeometry(8, c, hw, hw, c, 3, 3, 1, 1, 1, 1, 1, 1, 1);
            yield return Conv("conv3x3", $"{c}x{hw}x{hw} fwd", g, train: false);
            // Inference: the same weight call after call, so the Winograd filter transform is kept (a weight key).
            yield return Conv("conv3x3", $"{c}x{hw}x{hw} fwd, filter cached", g, train: false, cacheFilter: true);
            yield return Conv("conv3x3", $"{c}x{hw}x{hw} fwd+bwd", g, train: true);
        }
        // ConvNeXt-T's depthwise 7x7 stages at batch 8.
        foreach (var (c, hw) in new[] { (96, 56), (192, 28), (384, 14), (768, 7) })
        {
            var g = new Conv2dGeometry(8, c, hw, hw, c, 7, 7, 1, 1, 3, 3, 1, 1, c);
            yield return Conv("depthwise7x7", $"{c}x{hw}x{hw} fwd", g, train: false);
            yield return Conv("depthwise7x7", $"{c}x{hw}x{hw} fwd+bwd", g, train: true);
        }
        foreach (var c in AttentionCases.All()) yield return c;
    }

    static float[] Random(long length, int seed)
    {
        var random = new Random(seed);
        var data = GC.AllocateUninitializedArray<float>(checked((int)length));
        for (int i = 0; i < data.Length; i++) data[i] = (float)(random.NextDouble() * 2 - 1);
        return data;
    }

    static BenchCase Matmul(string group, string name, int m, int n, int k, bool transposedB)
    {
        var spec = new JsonObject { ["name"] = name, ["op"] = "matmul", ["m"] = m, ["n"] = n, ["k"] = k, ["transposed_b"] = transposedB };
        return new BenchCase(group, name, 2.0 * m * n * k, spec, () =>
        {
            var a = Random((long)m * k, 1);
            var b = Random((long)k * n, 2);
            var c = new float[m * n];
            // Wᵀ is W [n, k] read with strides (1, k): no copy, as the engine passes a transposed view.
            return transposedB
                ? () => Gemm.Multiply(m, n, k, a, k, 1, b, 1, k, c, n, false)
                : () => Gemm.Multiply(m, n, k, a, k, 1, b, n, 1, c, n, false);
        });
    }

    static BenchCase Bmm(string group, string name, int batch, int m, int n, int k)
    {
        var spec = new JsonObject { ["name"] = name, ["op"] = "bmm", ["batch"] = batch, ["m"] = m, ["n"] = n, ["k"] = k };
        return new BenchCase(group, name, 2.0 * batch * m * n * k, spec, () =>
        {
            var a = Random((long)batch * m * k, 1);
            var b = Random((long)batch * k * n, 2);
            var c = new float[batch * m * n];
            return () => Gemm.MultiplyBatched(batch, m, n, k, a, m * k, k, 1, b, k * n, n, 1, c, m * n, n, false);
        });
    }

    /// <summary>The bench's GPT step (models --filter GPT): tokens T = 16 x 128, d_model 256, 8 heads of 32.</summary>
    const int GptTokens = 2048, GptHeads = 8, GptHeadDim = 32, GptModel = GptHeads * GptHeadDim, GptBatches = 16, GptSeq = 128;

    /// <summary>
    /// Every GEMM of the GPT training step, with the layouts the step hands the kernel. Each Linear (F.Linear, an
    /// addmm) runs forward x·Wᵀ + b (bias rows written, then accumulated onto), and backward dX = dY·W and
    /// dW = dYᵀ·X (K = T). q, k, v and the out-projection are four 256→256 Linears (MultiheadAttention), 256→768
    /// is the same work as one fused in-projection, 256→1024 is the MLP's up-projection and the bias-free LM head.
    /// The fused attention runs, per head, Q·Kᵀ and dO·Vᵀ (128x128x32), P·V and dS·K on the packed path
    /// (128x32x128), and Pᵀ·dO and dSᵀ·Q accumulated into dV and dK (128x32x128, A transposed).
    /// </summary>
    static IEnumerable<BenchCase> GptProducts()
    {
        foreach (var (label, inputs, outputs) in new[] { ("proj 256→256", 256, 256), ("in-proj 256→768", 256, 768), ("mlp up 256→1024", 256, 1024), ("mlp down 1024→256", 1024, 256) })
        {
            yield return LinearForward($"{label} fwd x·Wᵀ+b", GptTokens, inputs, outputs);
            yield return Product("gpt-gemm", $"{label} dX = dY·W", GptTokens, inputs, outputs, transposedA: false, transposedB: false);
            yield return Product("gpt-gemm", $"{label} dW = dYᵀ·X", outputs, inputs, GptTokens, transposedA: true, transposedB: false);
        }
        yield return HeadProducts("attn Q·Kᵀ, dO·Vᵀ 128 x 128x128x32", HeadProduct.ScoresBlock);
        yield return HeadProducts("attn P·V, dS·K 128 x 128x32x128", HeadProduct.BlockTimesHead);
        yield return HeadProducts("attn Pᵀ·dO, dSᵀ·Q 128 x 128x32x128 accumulate", HeadProduct.BlockTransposedTimesHead);
    }

    /// <summary>F.Linear's forward as Tensor.LinearRows does it: bias copied into every row of C, then C += x·Wᵀ (W [out, in] read in place).</summary>
    static BenchCase LinearForward(string name, int m, int inputs, int outputs)
    {
        var spec = new JsonObject { ["name"] = name, ["op"] = "matmul", ["m"] = m, ["n"] = outputs, ["k"] = inputs, ["transposed_b"] = true, ["bias"] = true };
        return new BenchCase("gpt-gemm", name, 2.0 * m * outputs * inputs, spec, () =>
        {
            var x = Random((long)m * inputs, 1);
            var w = Random((long)outputs * inputs, 2);
            var bias = Random(outputs, 3);
            var y = new float[m * outputs];
            return () =>
            {
                for (int i = 0; i < m; i++) bias.CopyTo(y.AsSpan(i * outputs, outputs));
                Gemm.Multiply(m, outputs, inputs, x, inputs, 1, w, 1, inputs, y, outputs, true);
            };
        });
    }

    /// <summary>C[m, n] = A·B with A [m, k] (or, transposed, A = Xᵀ for a row-major X [k, m]) and B [k, n] (or Wᵀ for W [n, k]).</summary>
    static BenchCase Product(string group, string name, int m, int n, int k, bool transposedA, bool transposedB)
    {
        var spec = new JsonObject { ["name"] = name, ["op"] = "matmul", ["m"] = m, ["n"] = n, ["k"] = k, ["transposed_a"] = transposedA, ["transposed_b"] = transposedB };
        return new BenchCase(group, name, 2.0 * m * n * k, spec, () =>
        {
            var a = Random((long)m * k, 1);
            var b = Random((long)k * n, 2);
            var c = new float[m * n];
            int aRow = transposedA ? 1 : k, aCol = transposedA ? m : 1;
            int bRow = transposedB ? 1 : n, bCol = transposedB ? k : 1;
            return () => Gemm.Multiply(m, n, k, a, aRow, aCol, b, bRow, bCol, c, n, false);
        });
    }

    enum HeadProduct { ScoresBlock, BlockTimesHead, BlockTransposedTimesHead }

    /// <summary>
    /// One attention product for each of the 16 x 8 heads, laid out as in the step: q, k, v, dO and the
    /// results are [B, L, H, D] (a head's rows 256 floats apart), a block of scores or probabilities is a
    /// [128, 128] buffer of the piece's own. Heads are split between threads as the fused attention splits them.
    /// </summary>
    static BenchCase HeadProducts(string name, HeadProduct kind)
    {
        int heads = GptBatches * GptHeads, l = GptSeq, d = GptHeadDim;
        var (m, n, k) = kind == HeadProduct.ScoresBlock ? (l, l, d) : (l, d, l);
        var spec = new JsonObject
        {
            ["name"] = name, ["op"] = "bmm", ["batch"] = heads, ["m"] = m, ["n"] = n, ["k"] = k,
            ["transposed_a"] = kind == HeadProduct.BlockTransposedTimesHead, ["transposed_b"] = kind == HeadProduct.ScoresBlock,
        };
        return new BenchCase("gpt-gemm", name, 2.0 * heads * m * n * k, spec, () =>
        {
            var work = new HeadWork
            {
                Kind = kind,
                Rows = Random((long)GptTokens * GptModel, 1),
                Keys = Random((long)GptTokens * GptModel, 2),
                Output = Random((long)GptTokens * GptModel, 3),
                Blocks = [Random(l * l, 4), Random(l * l, 5)],
            };
            return () => WorkerPool.Run(ref work, Math.Min(WorkerPool.AvailableThreads, heads));
        });
    }

    struct HeadWork : IParallelWork
    {
        public HeadProduct Kind;
        public float[] Rows, Keys, Output;
        public float[][] Blocks;

        public readonly void Execute(int part, int parts)
        {
            int heads = GptBatches * GptHeads, l = GptSeq, d = GptHeadDim, ld = GptModel;
            var block = Blocks[part];
            for (int bh = heads * part / parts; bh < heads * (part + 1) / parts; bh++)
            {
                int head = bh / GptHeads * l * ld + bh % GptHeads * d;
                int extent = (l - 1) * ld + d;
                var rows = Rows.AsSpan(head, extent);
                var output = Output.AsSpan(head, extent);
                switch (Kind)
                {
                    case HeadProduct.ScoresBlock: // scores = Q·Kᵀ, Kᵀ read in place
                        Gemm.Multiply(l, l, d, rows, ld, 1, Keys.AsSpan(head, extent), 1, ld, block, l, false);
                        break;
                    case HeadProduct.BlockTimesHead: // O = P·V on the packed path, as FusedAttention.Packed
                        GemmBlocked.Multiply(l, d, l, block, l, 1, rows, ld, 1, output, ld, false);
                        break;
                    default: // dV += Pᵀ·dO
                        Gemm.Multiply(l, d, l, block, 1, l, rows, ld, 1, output, ld, true);
                        break;
                }
            }
        }
    }

    static BenchCase Conv(string group, string name, Conv2dGeometry g, bool train, bool cacheFilter = false)
    {
        var spec = new JsonObject
        {
            ["name"] = name, ["op"] = train ? "conv2d_train" : "conv2d",
            ["n"] = g.Batch, ["c"] = g.InChannels, ["h"] = g.InHeight, ["w"] = g.InWidth, ["oc"] = g.OutChannels,
            ["kh"] = g.KernelHeight, ["kw"] = g.KernelWidth, ["groups"] = g.Groups,
            ["stride"] = new JsonArray(g.StrideH, g.StrideW), ["pad"] = new JsonArray(g.PadH, g.PadW),
            ["dilation"] = new JsonArray(g.DilationH, g.DilationW),
        };
        double flops = 2.0 * g.OutputLength * g.PatchLength * (train ? 3 : 1);
        return new BenchCase(group, name, flops, spec, () =>
        {
            var x = Random(g.InputLength, 1);
            var w = Random(g.WeightLength, 2);
            var b = Random(g.OutChannels, 3);
            var y = new float[g.OutputLength];
            ConvWeightKey? key = cacheFilter ? new ConvWeightKey(w, 0, 0) : null;
            if (!train) return () => Conv2d.Forward(g, x, w, b, y, key);
            var gy = Random(g.OutputLength, 4);
            var gx = new float[g.InputLength];
            var gw = new float[g.WeightLength];
            var gb = new float[g.OutChannels];
            return () =>
            {
                Conv2d.Forward(g, x, w, b, y);
                Conv2d.BackwardInput(g, gy, w, gx);
                Conv2d.BackwardWeight(g, gy, x, gw);
                Conv2d.BackwardBias(g, gy, gb);
            };
        });
    }
}
