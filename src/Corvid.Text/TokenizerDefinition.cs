using System.Text.Json;
using System.Text.Json.Nodes;

namespace Corvid.Text;

/// <summary>
/// What a <c>.tiktoken</c> rank file does not hold: its name, split pattern and special tokens. Written as
/// <c>&lt;file&gt;.tiktoken.json</c> beside the rank file, e.g.
/// <c>{"name":"mine","pattern":"...","specialTokens":{"&lt;|endoftext|&gt;":32000}}</c>.
/// </summary>
public sealed record TokenizerDefinition(string Name, string Pattern, IReadOnlyDictionary<string, int> SpecialTokens)
{
    /// <summary>The definition file that belongs to a rank file.</summary>
    public static string PathFor(string rankFilePath) => rankFilePath + ".json";

    /// <summary>Reads the definition beside a rank file, or null when there is none.</summary>
    public static TokenizerDefinition? ReadBeside(string rankFilePath)
    {
        var path = PathFor(rankFilePath);
        if (!File.Exists(path)) return null;
        try
        {
            var root = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new JsonException("not an object");
            var specials = new Dictionary<string, int>(StringComparer.Ordinal);
            if (root["specialTokens"] is JsonObject map)
            {
                foreach (var (text, id) in map) specials[text] = id!.GetValue<int>();
            }
            return new TokenizerDefinition(
                root["name"]?.GetValue<string>() ?? Path.GetFileNameWithoutExtension(rankFilePath),
                root["pattern"]?.GetValue<string>() ?? SplitPattern.Cl100k.Regex,
                specials);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new TokenizerException($"{path}: not a valid tokenizer definition ({e.Message})", e);
        }
    }

    /// <summary>Writes the definition beside a rank file, atomically.</summary>
    public void WriteBeside(string rankFilePath)
    {
        var specials = new JsonObject();
        foreach (var (text, id) in SpecialTokens.OrderBy(p => p.Value)) specials[text] = id;
        var root = new JsonObject { ["name"] = Name, ["pattern"] = Pattern, ["specialTokens"] = specials };
        var json = root.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
        AtomicFile.Write(PathFor(rankFilePath), stream => stream.Write(System.Text.Encoding.UTF8.GetBytes(json)));
    }
}
