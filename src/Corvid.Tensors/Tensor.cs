using System.Globalization;
using System.Text;
using Corvid.Tensors.Autograd;

namespace Corvid.Tensors;

/// <summary>
/// An n-dimensional array of float32, int64 or bool values over shared storage, with strides so
/// that views (reshape, permute, slice, expand) need no copy, and with reverse-mode autograd.
/// </summary>
public sealed partial class Tensor
{
    internal readonly Storage Storage;
    internal readonly int[] shape;
    internal readonly int[] strides;
    internal readonly int Offset;

    private bool _requiresGrad;

    internal Tensor(Storage storage, int[] shape, int[] strides, int offset)
    {
        Storage = storage;
        this.shape = shape;
        this.strides = strides;
        Offset = offset;
        Numel = ShapeMath.Numel(shape);
        IsContiguous = ComputeContiguous(shape, strides);
    }

    internal Tensor(Storage storage, int[] shape) : this(storage, shape, ShapeMath.ContiguousStrides(shape), 0) { }

    /// <summary>The size of each dimension.</summary>
    public ReadOnlySpan<int> Shape => shape;

    /// <summary>How many storage elements one step along each dimension moves.</summary>
    public ReadOnlySpan<int> Strides => strides;

    public int Rank => shape.Length;
    public int Numel { get; }
    public DType DType => Storage.DType;
    public bool IsContiguous { get; }

    /// <summary>The size of one dimension (negative dims count from the end).</summary>
    public int Size(int dim) => shape[ShapeMath.WrapDim(dim, Rank, "size")];

    /// <summary>Whether gradients flow to this tensor. Only float tensors can require grad.</summary>
    public bool RequiresGrad
    {
        get => _requiresGrad;
        set
        {
            if (value && DType != DType.Float32)
                throw new InvalidOperationException($"only float32 tensors can require gradients, this one is {DType.Name()}");
            if (!value && GradFn is not null)
                throw new InvalidOperationException("requires_grad can only be turned off on a leaf tensor; use Detach() instead");
            _requiresGrad = value;
        }
    }

    /// <summary>The accumulated gradient after <see cref="Backward"/>; null until then.</summary>
    public Tensor? Grad { get; set; }

    /// <summary>The node that produced this tensor in the autograd graph; null for leaves.</summary>
    public Node? GradFn { get; internal set; }

    public bool IsLeaf => GradFn is null;

    /// <summary>Keeps the gradient of a non-leaf tensor in <see cref="Grad"/> after backward.</summary>
    public bool RetainsGrad { get; private set; }

    public Tensor RetainGrad()
    {
        if (!IsLeaf) RetainsGrad = true;
        return this;
    }

    /// <summary>Sets <see cref="RequiresGrad"/> and returns this tensor, like PyTorch's <c>requires_grad_()</c>.</summary>
    public Tensor RequiresGrad_(bool requiresGrad = true)
    {
        RequiresGrad = requiresGrad;
        return this;
    }

    internal float[] F => Storage.Floats ?? throw DTypeError("float32");
    internal long[] L => Storage.Longs ?? throw DTypeError("int64");
    internal bool[] B => Storage.Bools ?? throw DTypeError("bool");

    private InvalidOperationException DTypeError(string wanted) =>
        new($"expected a {wanted} tensor, got {DType.Name()} with shape {ShapeMath.Format(shape)}");

    internal void RequireDType(DType dtype, string op)
    {
        if (DType != dtype)
            throw new ArgumentException($"{op}: expected a {dtype.Name()} tensor, got {DType.Name()} with shape {ShapeMath.Format(shape)}");
    }

    /// <summary>A read-only span over the values of a contiguous float tensor.</summary>
    public ReadOnlySpan<float> AsSpan()
    {
        if (!IsContiguous) throw new InvalidOperationException($"AsSpan needs a contiguous tensor; call Contiguous() first (shape {ShapeMath.Format(shape)})");
        return F.AsSpan(Offset, Numel);
    }

    /// <summary>A writable span over a contiguous float tensor. Writing bypasses autograd.</summary>
    internal Span<float> MutableSpan() => F.AsSpan(Offset, Numel);

    /// <summary>The values in row-major order, copied.</summary>
    public float[] ToArray()
    {
        var c = Contiguous();
        return c.F.AsSpan(c.Offset, Numel).ToArray();
    }

    public long[] ToLongArray()
    {
        var c = Contiguous();
        return c.L.AsSpan(c.Offset, Numel).ToArray();
    }

    public bool[] ToBoolArray()
    {
        var c = Contiguous();
        return c.B.AsSpan(c.Offset, Numel).ToArray();
    }

    /// <summary>The single value of a one-element float tensor.</summary>
    public float Item()
    {
        if (Numel != 1) throw new InvalidOperationException($"Item() needs a tensor with one element, this one has shape {ShapeMath.Format(shape)}");
        return DType switch
        {
            DType.Float32 => F[Offset],
            DType.Int64 => L[Offset],
            _ => B[Offset] ? 1f : 0f,
        };
    }

    public long ItemLong()
    {
        if (Numel != 1) throw new InvalidOperationException($"ItemLong() needs a tensor with one element, this one has shape {ShapeMath.Format(shape)}");
        return DType switch
        {
            DType.Int64 => L[Offset],
            DType.Float32 => (long)F[Offset],
            _ => B[Offset] ? 1 : 0,
        };
    }

    /// <summary>The element at a full index (slow; for inspection and tests).</summary>
    [System.Runtime.CompilerServices.IndexerName("At")]
    public float this[params int[] index]
    {
        get
        {
            if (index.Length != Rank) throw new ArgumentException($"index has {index.Length} dims, tensor has {Rank}");
            int off = Offset;
            for (int d = 0; d < Rank; d++)
            {
                int i = index[d] < 0 ? index[d] + shape[d] : index[d];
                if (i < 0 || i >= shape[d]) throw new IndexOutOfRangeException($"index {index[d]} is out of range for dim {d} of size {shape[d]}");
                off += i * strides[d];
            }
            return DType switch
            {
                DType.Float32 => F[off],
                DType.Int64 => L[off],
                _ => B[off] ? 1f : 0f,
            };
        }
    }

    private static bool ComputeContiguous(int[] shape, int[] strides)
    {
        int expected = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            if (shape[d] == 1) continue;
            if (strides[d] != expected) return false;
            expected *= shape[d];
        }
        return true;
    }

    public override string ToString()
    {
        var sb = new StringBuilder("tensor(");
        var c = Contiguous();
        AppendValues(sb, c, 0, c.Offset, 7);
        if (DType != DType.Float32) sb.Append(", dtype=").Append(DType.Name());
        if (GradFn is not null) sb.Append(", grad_fn=<").Append(GradFn.Name).Append('>');
        else if (RequiresGrad) sb.Append(", requires_grad=True");
        if (Numel == 0 || Rank > 1) sb.Append(", shape=").Append(ShapeMath.Format(shape));
        return sb.Append(')').ToString();
    }

    private static void AppendValues(StringBuilder sb, Tensor c, int dim, int offset, int indent)
    {
        if (c.Rank == 0)
        {
            sb.Append(FormatValue(c, offset));
            return;
        }
        sb.Append('[');
        int n = c.shape[dim];
        const int edge = 3;
        bool elide = n > 2 * edge + 1 && c.Numel > 1000;
        for (int i = 0; i < n; i++)
        {
            if (elide && i == edge)
            {
                sb.Append("..., ");
                i = n - edge - 1;
                continue;
            }
            if (i > 0) sb.Append(dim == c.Rank - 1 ? ", " : ",\n" + new string(' ', indent + dim + 1));
            int off = offset + i * c.strides[dim];
            if (dim == c.Rank - 1) sb.Append(FormatValue(c, off));
            else AppendValues(sb, c, dim + 1, off, indent);
        }
        sb.Append(']');
    }

    private static string FormatValue(Tensor c, int offset) => c.DType switch
    {
        DType.Float32 => c.F[offset].ToString("0.0000", CultureInfo.InvariantCulture),
        DType.Int64 => c.L[offset].ToString(CultureInfo.InvariantCulture),
        _ => c.B[offset] ? "True" : "False",
    };
}

public sealed partial class Tensor
{
    internal void AttachGradFn(Node node)
    {
        GradFn = node;
        _requiresGrad = true;
    }

    /// <summary>
    /// Computes the gradient of this tensor with respect to every leaf that requires grad and adds
    /// it to their <see cref="Grad"/>. A non-scalar tensor needs <paramref name="gradient"/>.
    /// </summary>
    public void Backward(Tensor? gradient = null, bool retainGraph = false, bool createGraph = false) =>
        AutogradEngine.Backward(this, gradient, retainGraph, createGraph);

    /// <summary>The same values, cut from the graph: no gradient flows through the result.</summary>
    public Tensor Detach() => new(Storage, shape, strides, Offset);
}
