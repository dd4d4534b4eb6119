using System.Text.Json.Nodes;
using Corvid.Tensors.Kernels;

namespace Corvid.Bench;

/// <summary>The shapes benchmarked: square, skinny and batched matmul, ResNet 3x3 and ConvNeXt depthwise 7x7 convolutions, multi-head attention.</summary>
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
