namespace Corvid.Tensors;

/// <summary>Element types: float32 for data, int64 for indices and labels, bool for masks.</summary>
public enum DType
{
    Float32,
    Int64,
    Bool,
}

internal static class DTypeNames
{
    public static string Name(this DType dtype) => dtype switch
    {
        DType.Float32 => "float32",
        DType.Int64 => "int64",
        DType.Bool => "bool",
        _ => dtype.ToString(),
    };
}
