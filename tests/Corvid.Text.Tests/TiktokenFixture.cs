using System.Text;
using System.Text.Json;

namespace Corvid.Text.Tests;

/// <summary>
/// Fixtures/tiktoken.json, made by tools/tiktoken-fixtures/make-fixtures.mjs with OpenAI's tiktoken (npm, WASM build).
/// </summary>
internal static class TiktokenFixture
{
    public static readonly string[] Encodings = ["cl100k_base", "o200k_base", "r50k_base"];

    private static readonly Lazy<JsonDocument> Document = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "tiktoken.json"))));

    public static JsonElement Root => Document.Value.RootElement;

    public sealed record Case(string Name, string Text, byte[]? Utf8, IReadOnlyDictionary<string, int[]> Ids);

    public static IEnumerable<Case> Cases() => Root.GetProperty("cases").EnumerateArray().Select(ReadCase);

    private static Case ReadCase(JsonElement c)
    {
        string text = c.TryGetProperty("utf16", out var units)
            ? new string(units.EnumerateArray().Select(u => (char)u.GetInt32()).ToArray())
            : c.GetProperty("text").GetString()!;
        byte[]? utf8 = c.TryGetProperty("utf8Base64", out var b) ? Convert.FromBase64String(b.GetString()!) : null;
        var ids = c.GetProperty("ids").EnumerateObject().ToDictionary(p => p.Name, p => Ints(p.Value));
        return new Case(c.GetProperty("name").GetString()!, text, utf8, ids);
    }

    public static int[] Ints(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();

    public static int[] ExpandRunLengths(JsonElement pairs)
    {
        var ids = new List<int>();
        foreach (var pair in pairs.EnumerateArray())
        {
            int id = pair[0].GetInt32(), count = pair[1].GetInt32();
            for (int k = 0; k < count; k++) ids.Add(id);
        }
        return [.. ids];
    }

    public static string Describe(string text) =>
        text.Length > 80 ? JsonSerializer.Serialize(text[..80]) + "…" : JsonSerializer.Serialize(text);

    public static string Show(int[] ids) => "[" + string.Join(", ", ids.Take(40)) + (ids.Length > 40 ? ", …" : "") + "]";

    public static readonly UTF8Encoding Utf8 = new(false, false);
}
