using System.Collections.Concurrent;
using System.Text.Json;
using Corvid.Tensors.IO;

namespace Corvid.Tensors.Tests.Ops;

/// <summary>One PyTorch reference case from tools/torch_fixtures.py.</summary>
public sealed record TorchCase(string Group, string Name, JsonElement Meta, IReadOnlyDictionary<string, Tensor> Tensors)
{
    public string Op => Meta.GetProperty("op").GetString()!;
    public JsonElement Params => Meta.GetProperty("params");
    public double Rtol => Meta.GetProperty("rtol").GetDouble();
    public double Atol => Meta.GetProperty("atol").GetDouble();
    public bool Second => Meta.GetProperty("second").GetBoolean();
    public int Outputs => Meta.GetProperty("outputs").GetInt32();
    public IEnumerable<string> Inputs => Meta.GetProperty("inputs").EnumerateArray().Select(e => e.GetString()!);
    public ISet<string> RequiresGrad => Meta.GetProperty("requires_grad").EnumerateArray().Select(e => e.GetString()!).ToHashSet();

    public Tensor? Find(string key) => Tensors.TryGetValue($"{Name}.{key}", out var t) ? t : null;
    public Tensor Get(string key) => Find(key) ?? throw new KeyNotFoundException($"fixture {Group}/{Name} has no tensor '{key}'");

    /// <summary>The views the case applies to an input before the op (to test non-contiguous layouts).</summary>
    public Tensor ApplyViews(string input, Tensor t)
    {
        if (!Meta.GetProperty("views").TryGetProperty(input, out var steps)) return t;
        foreach (var step in steps.EnumerateArray())
        {
            var kind = step[0].GetString();
            t = kind switch
            {
                "t" => t.MT,
                "permute" => t.Permute(step[1].EnumerateArray().Select(e => e.GetInt32()).ToArray()),
                "expand" => t.Expand(step[1].EnumerateArray().Select(e => e.GetInt32()).ToArray()),
                "slice" => t.Slice(step[1].GetInt32(), step[2].GetInt32(), step[3].GetInt32(), step[4].GetInt32()),
                "select" => t.Select(step[1].GetInt32(), step[2].GetInt32()),
                _ => throw new NotSupportedException($"view step {kind}"),
            };
        }
        return t;
    }
}

internal static class TorchFixtures
{
    private static readonly ConcurrentDictionary<string, SafeTensors.Contents> Files = new();

    private static string PathOf(string group) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "ops", group + ".safetensors");

    private static SafeTensors.Contents Load(string group) => Files.GetOrAdd(group, g => SafeTensors.Load(PathOf(g)));

    public static IEnumerable<object[]> Cases(string group) =>
        Load(group).Metadata.Keys.Order(StringComparer.Ordinal).Select(name => new object[] { name });

    public static TorchCase Case(string group, string name)
    {
        var file = Load(group);
        using var doc = JsonDocument.Parse(file.Metadata[name]);
        return new TorchCase(group, name, doc.RootElement.Clone(), file.Tensors);
    }
}
