namespace Corvid.Serving.Tensors;

/// <summary>Element types a served tensor may hold; names on the wire follow KServe v2 (FP32, INT64, ...).</summary>
public enum TensorDataType
{
    Float32,
    Float64,
    Int32,
    Int64,
    UInt8,
    Bool,
}

public static class TensorDataTypes
{
    public static string ToV2Name(this TensorDataType type) => type switch
    {
        TensorDataType.Float32 => "FP32",
        TensorDataType.Float64 => "FP64",
        TensorDataType.Int32 => "INT32",
        TensorDataType.Int64 => "INT64",
        TensorDataType.UInt8 => "UINT8",
        TensorDataType.Bool => "BOOL",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown tensor data type"),
    };

    public static bool TryParseV2Name(string? name, out TensorDataType type)
    {
        switch (name)
        {
            case "FP32": type = TensorDataType.Float32; return true;
            case "FP64": type = TensorDataType.Float64; return true;
            case "INT32": type = TensorDataType.Int32; return true;
            case "INT64": type = TensorDataType.Int64; return true;
            case "UINT8": type = TensorDataType.UInt8; return true;
            case "BOOL": type = TensorDataType.Bool; return true;
            default: type = default; return false;
        }
    }

    public static Type ClrType(this TensorDataType type) => type switch
    {
        TensorDataType.Float32 => typeof(float),
        TensorDataType.Float64 => typeof(double),
        TensorDataType.Int32 => typeof(int),
        TensorDataType.Int64 => typeof(long),
        TensorDataType.UInt8 => typeof(byte),
        TensorDataType.Bool => typeof(bool),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown tensor data type"),
    };

    public static int ElementSize(this TensorDataType type) => type switch
    {
        TensorDataType.Float32 or TensorDataType.Int32 => 4,
        TensorDataType.Float64 or TensorDataType.Int64 => 8,
        _ => 1,
    };

    public static Array NewArray(this TensorDataType type, int length) => Array.CreateInstance(type.ClrType(), length);
}
