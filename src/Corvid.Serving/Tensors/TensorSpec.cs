namespace Corvid.Serving.Tensors;

/// <summary>What a model expects or produces: a name, an element type and a shape where -1 is a free dimension.</summary>
public sealed record TensorSpec(string Name, TensorDataType DataType, int[] Shape)
{
    public override string ToString() => $"{Name} {DataType.ToV2Name()} [{string.Join(',', Shape)}]";
}
