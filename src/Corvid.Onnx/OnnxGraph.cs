using Corvid.Onnx.Proto;
using Google.Protobuf;

namespace Corvid.Onnx;

/// <summary>Small helpers for building and editing ONNX graphs (the subset in onnx_subset.proto).</summary>
public static class OnnxGraph
{
    public const int ElemFloat = 1;
    public const int ElemInt64 = 7;

    public static ModelProto Read(string path)
    {
        try
        {
            return ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"'{path}' is not an ONNX model: {e.Message}", e);
        }
    }

    public static TensorProto FloatTensor(string name, long[] dims, ReadOnlySpan<float> values)
    {
        var tensor = new TensorProto { Name = name, DataType = ElemFloat, RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values)) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    public static TensorProto Int64Tensor(string name, long[] dims, ReadOnlySpan<long> values)
    {
        var tensor = new TensorProto { Name = name, DataType = ElemInt64, RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values)) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    public static NodeProto Node(string opType, string[] inputs, string output, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = output + "_" + opType };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        return node;
    }

    public static AttributeProto IntAttribute(string name, long value) => new() { Name = name, I = value, Type = 2 };

    public static AttributeProto IntsAttribute(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = 7 };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    /// <summary>A float tensor value; a null dimension is symbolic, written as <paramref name="symbol"/>.</summary>
    public static ValueInfoProto FloatValue(string name, string symbol, params long?[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
        {
            shape.Dim.Add(d is { } value ? new TensorShapeProto.Types.Dimension { DimValue = value } : new TensorShapeProto.Types.Dimension { DimParam = symbol });
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = ElemFloat, Shape = shape } } };
    }

    /// <summary>
    /// Makes the first dimension of every graph input and output symbolic, and drops the recorded shapes of
    /// intermediate values (exporters often record them with batch 1, which would pin the batch again).
    /// </summary>
    public static void MakeBatchDynamic(GraphProto graph, string symbol = "batch")
    {
        var initializers = graph.Initializer.Select(t => t.Name).ToHashSet();
        foreach (var value in graph.Input.Where(v => !initializers.Contains(v.Name)).Concat(graph.Output))
        {
            var dims = value.Type?.TensorType?.Shape?.Dim;
            if (dims is { Count: > 0 }) dims[0] = new TensorShapeProto.Types.Dimension { DimParam = symbol };
        }
        graph.ValueInfo.Clear();
    }
}
