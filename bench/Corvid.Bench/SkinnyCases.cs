using System.Text.Json.Nodes;
using Corvid.Tensors.Kernels;

namespace Corvid.Bench;

/// <summary>
/// Around the skinny <c>x·W</c> cases of <see cref="KernelCases"/>: more row counts (where the skinny path hands
/// over to the packed one), a ragged column count, and the memory bandwidth those memory-bound products run against.
/// </summary>
public static class SkinnyCases
{
    public static IEnumerable<BenchCase> All()
    {
        foreach (int m in new[] { 2, 3, 8, 24, 32, 48 })
            yield return Matmul("skinny-sweep", $"x·W m={m} 4096x4096", m, 4096, 4096);
        yield return Matmul("skinny-sweep", "x·W m=16 4096x4093", 16, 4093, 4096);
        // Few columns as well as few rows (before, the transposed dot form's shapes).
        yield return Matmul("skinny-sweep", "x·W m=16 65536x24", 16, 24, 65536);
        yield return Matmul("skinny-sweep", "x·W m=40 4096x8", 40, 8, 4096);
        yield return Matmul("skinny-sweep", "x·W m=1 65536x24", 1, 24, 65536);
        yield return Matmul("skinny-sweep", "x·W m=4 65536x24", 4, 24, 65536);
        // Two 64 MB vectors read once (a dot product in both engines): the bytes per second the machine streams.
        const int length = 1 << 24;
        var spec = new JsonObject { ["name"] = "dot of two 64 MB vectors", ["op"] = "matmul", ["m"] = 1, ["n"] = 1, ["k"] = length };
        yield return new BenchCase("skinny-memory", "dot of two 64 MB vectors", 2.0 * length, spec, () =>
        {
            var a = Random(length, 1);
            var b = Random(length, 2);
            var c = new float[1];
            return () => Gemm.Multiply(1, 1, length, a, length, 1, b, 1, 1, c, 1, false);
        });
    }

    static BenchCase Matmul(string group, string name, int m, int n, int k)
    {
        var spec = new JsonObject { ["name"] = name, ["op"] = "matmul", ["m"] = m, ["n"] = n, ["k"] = k };
        return new BenchCase(group, name, 2.0 * m * n * k, spec, () =>
        {
            var a = Random((long)m * k, 1);
            var b = Random((long)k * n, 2);
            var c = new float[m * n];
            return () => Gemm.Multiply(m, n, k, a, k, 1, b, n, 1, c, n, false);
        });
    }

    static float[] Random(long length, int seed)
    {
        var random = new Random(seed);
        var data = GC.AllocateUninitializedArray<float>(checked((int)length));
        for (int i = 0; i < data.Length; i++) data[i] = (float)(random.NextDouble() * 2 - 1);
        return data;
    }
}
