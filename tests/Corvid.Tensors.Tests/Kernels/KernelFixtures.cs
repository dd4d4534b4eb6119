using System.Runtime.InteropServices;
using System.Text.Json;

namespace Corvid.Tensors.Tests.Kernels;

/// <summary>
/// Reads the fixtures tools/kernel_fixtures.py writes: a JSON list of cases whose arrays are
/// <c>[offset, length]</c> ranges (in floats) of a little-endian float32 .bin file beside it.
/// </summary>
internal sealed class KernelFixtures
{
    readonly float[] data;

    public IReadOnlyList<JsonElement> Cases { get; }

    KernelFixtures(float[] data, IReadOnlyList<JsonElement> cases)
    {
        this.data = data;
        Cases = cases;
    }

    public static KernelFixtures Load(string name)
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "Fixtures", "kernels");
        var bytes = File.ReadAllBytes(Path.Combine(dir, name + ".bin"));
        var data = MemoryMarshal.Cast<byte, float>(bytes).ToArray();
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, name + ".json")));
        var cases = doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.Clone()).ToList();
        return new KernelFixtures(data, cases);
    }

    public JsonElement Case(string name) => Cases.Single(c => c.GetProperty("name").GetString() == name);

    public static IEnumerable<object[]> Names(string fixture) =>
        Load(fixture).Cases.Select(c => new object[] { c.GetProperty("name").GetString()! });

    public float[] Array(JsonElement c, string field)
    {
        var range = c.GetProperty(field);
        int offset = range[0].GetInt32(), length = range[1].GetInt32();
        return data.AsSpan(offset, length).ToArray();
    }
}
