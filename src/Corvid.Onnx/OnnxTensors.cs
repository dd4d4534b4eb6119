using System.Runtime.InteropServices;
using Corvid.Onnx.Proto;

namespace Corvid.Onnx;

/// <summary>The values of a float32 <see cref="TensorProto"/>, wherever the exporter put them.</summary>
public static class OnnxTensors
{
    /// <summary>
    /// The tensor's values in row-major order. Exporters store them either as little-endian bytes in
    /// raw_data (PyTorch) or as packed float_data (CNTK, as in the ResNet18 NuGet package); both are read.
    /// </summary>
    public static float[] ToFloatArray(TensorProto tensor)
    {
        if (tensor.DataType != OnnxGraph.ElemFloat)
            throw new InvalidDataException($"ONNX tensor '{tensor.Name}' has element type {tensor.DataType}, expected float32 ({OnnxGraph.ElemFloat})");
        long count = tensor.Dims.Aggregate(1L, (n, d) => n * d);
        float[] values = tensor.RawData.Length > 0
            ? MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray()
            : [.. tensor.FloatData];
        if (values.Length != count)
            throw new InvalidDataException($"ONNX tensor '{tensor.Name}' has shape [{string.Join(", ", tensor.Dims)}] ({count} values) but holds {values.Length} values");
        return values;
    }

    public static int[] Shape(TensorProto tensor) => tensor.Dims.Select(d => checked((int)d)).ToArray();
}
