namespace Corvid.Tensors;

/// <summary>Shape arithmetic shared by every op: element counts, strides, broadcasting, dim wrapping.</summary>
internal static class ShapeMath
{
    public static int Numel(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (var d in shape) n *= d;
        if (n > Array.MaxLength) throw new ArgumentException($"shape {Format(shape)} has {n} elements, more than one array can hold");
        return (int)n;
    }

    public static int[] ContiguousStrides(ReadOnlySpan<int> shape)
    {
        var strides = new int[shape.Length];
        int s = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= Math.Max(shape[i], 1);
        }
        return strides;
    }

    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    /// <summary>Wraps a possibly negative dim into [0, rank); names the op and the rank on error.</summary>
    public static int WrapDim(int dim, int rank, string op)
    {
        int r = Math.Max(rank, 1);
        if (dim < -r || dim >= r)
            throw new ArgumentOutOfRangeException(nameof(dim), $"{op}: dim {dim} is out of range for a tensor of rank {rank} (expected {-r} to {r - 1})");
        return dim < 0 ? dim + r : dim;
    }

    /// <summary>NumPy broadcasting of two shapes.</summary>
    public static int[] Broadcast(ReadOnlySpan<int> a, ReadOnlySpan<int> b, string op)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"{op}: shapes {Format(a)} and {Format(b)} cannot be broadcast (dim {i}: {da} vs {db})");
            result[i] = da == 1 ? db : da;
        }
        return result;
    }

    public static bool SameShape(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.SequenceEqual(b);

    /// <summary>Resolves one -1 in a requested shape against an element count.</summary>
    public static int[] InferShape(ReadOnlySpan<int> requested, int numel, ReadOnlySpan<int> from, string op)
    {
        var shape = requested.ToArray();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == -1)
            {
                if (infer >= 0) throw new ArgumentException($"{op}: only one dimension can be -1, got {Format(requested)}");
                infer = i;
            }
            else if (shape[i] < 0) throw new ArgumentException($"{op}: invalid dimension {shape[i]} in {Format(requested)}");
            else known *= shape[i];
        }
        if (infer >= 0)
        {
            if (known == 0 || numel % known != 0)
                throw new ArgumentException($"{op}: shape {Format(requested)} is invalid for input of shape {Format(from)} ({numel} elements)");
            shape[infer] = (int)(numel / known);
        }
        else if (known != numel)
        {
            throw new ArgumentException($"{op}: shape {Format(requested)} is invalid for input of shape {Format(from)} ({numel} elements)");
        }
        return shape;
    }

    /// <summary>The storage offset of the <paramref name="linear"/>-th element (row-major order) of a strided layout.</summary>
    public static int OffsetOf(int linear, ReadOnlySpan<int> shape, ReadOnlySpan<int> strides)
    {
        int offset = 0;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            int size = shape[d];
            if (size == 0) return 0;
            offset += linear % size * strides[d];
            linear /= size;
        }
        return offset;
    }
}
