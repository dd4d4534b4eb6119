namespace Corvid.Serving.Engine;

/// <summary>Shapes in error messages, written as PyTorch prints them: [1, 28, 28].</summary>
internal static class ShapeText
{
    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";
}
