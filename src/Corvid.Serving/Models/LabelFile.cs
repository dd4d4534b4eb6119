using System.Text.Json;

namespace Corvid.Serving.Models;

/// <summary>Reads class labels: a text file with one label per line, or TorchServe's index_to_name.json.</summary>
public static class LabelFile
{
    public static IReadOnlyList<string> Read(string path)
    {
        var text = File.ReadAllText(path);
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            return FromIndexToName(text, path);
        }
        return text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();
    }

    // {"0": "tench", "1": ["n01443537", "goldfish"]}: TorchServe accepts a name or a [wordnet id, name] pair.
    private static List<string> FromIndexToName(string json, string path)
    {
        using var doc = JsonDocument.Parse(json);
        var labels = new SortedDictionary<int, string>();
        foreach (var property in doc.RootElement.EnumerateObject())
        {
            if (!int.TryParse(property.Name, out var index) || index < 0)
            {
                throw new ModelLoadException($"{path}: key '{property.Name}' is not a class index");
            }
            labels[index] = property.Value.ValueKind == JsonValueKind.Array
                ? property.Value[property.Value.GetArrayLength() - 1].GetString() ?? ""
                : property.Value.GetString() ?? "";
        }
        var list = new List<string>();
        foreach (var (index, label) in labels)
        {
            while (list.Count < index) list.Add(list.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            list.Add(label);
        }
        return list;
    }
}
