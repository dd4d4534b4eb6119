namespace Corvid.Serving.Tensors;

/// <summary>
/// A dense row-major tensor crossing the serving boundary: handler to scheduler to runtime and back.
/// The first dimension is the batch. <see cref="Data"/> is a primitive array of <see cref="DataType"/>'s
/// CLR type (float[] for Float32, long[] for Int64, ...), so concatenating and splitting batches is a block copy.
/// </summary>
public sealed class NamedTensor
{
    public NamedTensor(string name, TensorDataType dataType, int[] shape, Array data)
    {
        var expected = ElementCount(shape);
        if (data.GetType().GetElementType() != dataType.ClrType())
        {
            throw new ArgumentException($"tensor '{name}': data is {data.GetType().Name}, datatype {dataType.ToV2Name()} needs {dataType.ClrType().Name}[]");
        }
        if (data.Length != expected)
        {
            throw new ArgumentException($"tensor '{name}': shape [{string.Join(',', shape)}] holds {expected} elements but data has {data.Length}");
        }
        Name = name;
        DataType = dataType;
        Shape = shape;
        Data = data;
    }

    public string Name { get; }
    public TensorDataType DataType { get; }
    public int[] Shape { get; }
    public Array Data { get; }

    public int BatchSize => Shape.Length == 0 ? 1 : Shape[0];

    /// <summary>Elements in one batch row.</summary>
    public int RowLength => Shape.Length == 0 ? 1 : ElementCount(Shape.AsSpan(1));

    public static NamedTensor Float32(string name, int[] shape, float[] data) => new(name, TensorDataType.Float32, shape, data);

    public static int ElementCount(ReadOnlySpan<int> shape)
    {
        long count = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ArgumentException($"tensor dimension {d} is negative");
            count *= d;
            if (count > int.MaxValue) throw new ArgumentException($"tensor shape [{string.Join(',', shape.ToArray())}] has more than {int.MaxValue} elements");
        }
        return (int)count;
    }

    /// <summary>Same shape without the batch dimension, for signatures and grouping.</summary>
    public string RowSignature => $"{Name}:{DataType}:[{string.Join(',', Shape.Skip(1))}]";

    /// <summary>Joins tensors of the same name, type and row shape along the batch dimension.</summary>
    public static NamedTensor Concat(IReadOnlyList<NamedTensor> parts)
    {
        if (parts.Count == 1) return parts[0];
        var first = parts[0];
        var rows = 0;
        foreach (var p in parts)
        {
            if (p.RowSignature != first.RowSignature)
            {
                throw new ArgumentException($"cannot batch tensor {p.RowSignature} with {first.RowSignature}");
            }
            rows += p.BatchSize;
        }
        var shape = (int[])first.Shape.Clone();
        shape[0] = rows;
        var data = first.DataType.NewArray(rows * first.RowLength);
        var size = first.DataType.ElementSize();
        var offset = 0;
        foreach (var p in parts)
        {
            var bytes = p.Data.Length * size;
            Buffer.BlockCopy(p.Data, 0, data, offset, bytes);
            offset += bytes;
        }
        return new NamedTensor(first.Name, first.DataType, shape, data);
    }

    /// <summary>Rows [start, start+count) as a new tensor.</summary>
    public NamedTensor SliceRows(int start, int count)
    {
        if (start == 0 && count == BatchSize) return this;
        var shape = (int[])Shape.Clone();
        shape[0] = count;
        var row = RowLength;
        var data = DataType.NewArray(count * row);
        var size = DataType.ElementSize();
        Buffer.BlockCopy(Data, start * row * size, data, 0, count * row * size);
        return new NamedTensor(Name, DataType, shape, data);
    }
}
