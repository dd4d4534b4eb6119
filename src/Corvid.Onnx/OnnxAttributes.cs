using Corvid.Onnx.Proto;

namespace Corvid.Onnx;

/// <summary>Reads a node's attributes by name, with the ONNX default when the attribute is absent.</summary>
public static class OnnxAttributes
{
    public static long[] Ints(this NodeProto node, string name, params long[] fallback) =>
        Find(node, name) is { } a ? [.. a.Ints] : fallback;

    public static long Int(this NodeProto node, string name, long fallback) =>
        Find(node, name) is { } a ? a.I : fallback;

    public static float Float(this NodeProto node, string name, float fallback) =>
        Find(node, name) is { } a ? a.F : fallback;

    private static AttributeProto? Find(NodeProto node, string name) => node.Attribute.FirstOrDefault(a => a.Name == name);
}
