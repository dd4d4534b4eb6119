using System.Text.Json;
using System.Text.Json.Nodes;
using Corvid.Serving.Handlers;

namespace Corvid.Serving.Tensors;

/// <summary>Reads and writes tensor data as JSON numbers (flat or nested row-major arrays), naming the field on error.</summary>
public static class TensorJson
{
    public static Array ReadFlat(JsonArray data, TensorDataType type, string field)
    {
        var flat = new List<JsonNode?>();
        Flatten(data, flat, field);
        var array = type.NewArray(flat.Count);
        for (var i = 0; i < flat.Count; i++)
        {
            var node = flat[i];
            var kind = node?.GetValueKind();
            try
            {
                switch (array)
                {
                    case bool[] b when kind is JsonValueKind.True or JsonValueKind.False: b[i] = node!.GetValue<bool>(); break;
                    case float[] f when kind == JsonValueKind.Number: f[i] = node!.GetValue<float>(); break;
                    case double[] d when kind == JsonValueKind.Number: d[i] = node!.GetValue<double>(); break;
                    case int[] n when kind == JsonValueKind.Number: n[i] = node!.GetValue<int>(); break;
                    case long[] l when kind == JsonValueKind.Number: l[i] = node!.GetValue<long>(); break;
                    case byte[] u when kind == JsonValueKind.Number: u[i] = node!.GetValue<byte>(); break;
                    default: throw new BadInputException($"field '{field}' element {i} is {node?.ToJsonString() ?? "null"}, not a {type.ToV2Name()} value");
                }
            }
            catch (Exception e) when (e is FormatException or InvalidOperationException or OverflowException)
            {
                throw new BadInputException($"field '{field}' element {i} is {node?.ToJsonString()}, not a {type.ToV2Name()} value");
            }
        }
        return array;
    }

    private static void Flatten(JsonArray array, List<JsonNode?> into, string field)
    {
        foreach (var item in array)
        {
            if (item is JsonArray nested) Flatten(nested, into, field);
            else into.Add(item);
        }
    }

    public static NamedTensor Create(string name, TensorDataType type, int[] shape, Array values, string field)
    {
        if (shape.Any(d => d < 0)) throw new BadInputException($"field 'shape' is [{string.Join(',', shape)}]; dimensions cannot be negative");
        var expected = NamedTensor.ElementCount(shape);
        if (expected != values.Length)
        {
            throw new BadInputException($"field '{field}' has {values.Length} elements but shape [{string.Join(',', shape)}] needs {expected}");
        }
        return new NamedTensor(name, type, shape, values);
    }

    public static JsonArray WriteFlat(NamedTensor tensor)
    {
        var array = new JsonArray();
        switch (tensor.Data)
        {
            case float[] f: foreach (var v in f) array.Add(v); break;
            case double[] d: foreach (var v in d) array.Add(v); break;
            case int[] n: foreach (var v in n) array.Add(v); break;
            case long[] l: foreach (var v in l) array.Add(v); break;
            case byte[] u: foreach (var v in u) array.Add(v); break;
            case bool[] b: foreach (var v in b) array.Add(v); break;
        }
        return array;
    }
}
