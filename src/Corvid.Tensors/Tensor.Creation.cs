namespace Corvid.Tensors;

public sealed partial class Tensor
{
    /// <summary>A float tensor whose values are not initialised (every op that uses it overwrites them).</summary>
    internal static Tensor Empty(ReadOnlySpan<int> shape) =>
        new(Storage.Allocate(DType.Float32, ShapeMath.Numel(shape), zeroed: false), CheckShape(shape));

    private static int[] CheckShape(ReadOnlySpan<int> shape)
    {
        foreach (var d in shape)
            if (d < 0) throw new ArgumentException($"negative dimension {d} in shape {ShapeMath.Format(shape)}");
        return shape.ToArray();
    }

    public static Tensor Zeros(params int[] shape) => new(Storage.Allocate(DType.Float32, ShapeMath.Numel(shape), zeroed: true), CheckShape(shape));

    public static Tensor Zeros(ReadOnlySpan<int> shape, DType dtype) => new(Storage.Allocate(dtype, ShapeMath.Numel(shape), zeroed: true), CheckShape(shape));

    public static Tensor Ones(params int[] shape) => Full(shape, 1f);

    public static Tensor Full(int[] shape, float value)
    {
        var t = Empty(shape);
        t.F.AsSpan().Fill(value);
        return t;
    }

    public static Tensor ZerosLike(Tensor t) => Zeros(t.shape);
    public static Tensor OnesLike(Tensor t) => Ones(t.shape);
    public static Tensor FullLike(Tensor t, float value) => Full(t.shape, value);

    /// <summary>A 0-dimensional tensor holding one value.</summary>
    public static Tensor Scalar(float value)
    {
        var t = Empty([]);
        t.F[0] = value;
        return t;
    }

    /// <summary>A float tensor over a copy of <paramref name="data"/>; the shape defaults to 1-D.</summary>
    public static Tensor FromArray(float[] data, params int[] shape)
    {
        var s = shape.Length == 0 ? [data.Length] : CheckShape(shape);
        if (ShapeMath.Numel(s) != data.Length)
            throw new ArgumentException($"FromArray: {data.Length} values do not fill shape {ShapeMath.Format(s)}");
        return new Tensor(new Storage((float[])data.Clone()), s);
    }

    public static Tensor FromArray(long[] data, params int[] shape)
    {
        var s = shape.Length == 0 ? [data.Length] : CheckShape(shape);
        if (ShapeMath.Numel(s) != data.Length)
            throw new ArgumentException($"FromArray: {data.Length} values do not fill shape {ShapeMath.Format(s)}");
        return new Tensor(new Storage((long[])data.Clone()), s);
    }

    public static Tensor FromArray(bool[] data, params int[] shape)
    {
        var s = shape.Length == 0 ? [data.Length] : CheckShape(shape);
        if (ShapeMath.Numel(s) != data.Length)
            throw new ArgumentException($"FromArray: {data.Length} values do not fill shape {ShapeMath.Format(s)}");
        return new Tensor(new Storage((bool[])data.Clone()), s);
    }

    public static Tensor FromArray(float[,] data)
    {
        var flat = new float[data.Length];
        Buffer.BlockCopy(data, 0, flat, 0, data.Length * sizeof(float));
        return new Tensor(new Storage(flat), [data.GetLength(0), data.GetLength(1)]);
    }

    /// <summary>Values start, start+step, … below end (float).</summary>
    public static Tensor Arange(float start, float end, float step = 1f)
    {
        if (step == 0) throw new ArgumentException("arange: step must not be zero");
        int n = Math.Max(0, (int)Math.Ceiling((end - start) / (double)step));
        var t = Empty([n]);
        for (int i = 0; i < n; i++) t.F[i] = (float)(start + (double)i * step);
        return t;
    }

    /// <summary>0, 1, …, end-1 as int64, like <c>torch.arange(end)</c> for integer arguments.</summary>
    public static Tensor Arange(long end)
    {
        if (end < 0) throw new ArgumentException($"arange: end {end} is negative");
        var data = new long[end];
        for (long i = 0; i < end; i++) data[i] = i;
        return new Tensor(new Storage(data), [(int)end]);
    }

    public static Tensor Linspace(float start, float end, int steps)
    {
        var t = Empty([steps]);
        for (int i = 0; i < steps; i++)
            t.F[i] = steps == 1 ? start : (float)(start + (end - start) * (double)i / (steps - 1));
        return t;
    }

    public static Tensor Eye(int n)
    {
        var t = Zeros(n, n);
        for (int i = 0; i < n; i++) t.F[i * n + i] = 1f;
        return t;
    }

    /// <summary>Standard normal values.</summary>
    public static Tensor Randn(int[] shape, Generator? generator = null)
    {
        var g = generator ?? Generator.Default;
        var t = Empty(shape);
        var f = t.F;
        for (int i = 0; i < f.Length; i++) f[i] = (float)g.NextNormal();
        return t;
    }

    public static Tensor Randn(params int[] shape) => Randn(shape, null);

    /// <summary>Uniform values in [0, 1).</summary>
    public static Tensor Rand(int[] shape, Generator? generator = null)
    {
        var g = generator ?? Generator.Default;
        var t = Empty(shape);
        var f = t.F;
        for (int i = 0; i < f.Length; i++) f[i] = g.NextFloat();
        return t;
    }

    public static Tensor Rand(params int[] shape) => Rand(shape, null);

    /// <summary>Uniform values in [low, high).</summary>
    public static Tensor Uniform(int[] shape, float low, float high, Generator? generator = null)
    {
        var g = generator ?? Generator.Default;
        var t = Empty(shape);
        var f = t.F;
        for (int i = 0; i < f.Length; i++) f[i] = (float)(low + (high - low) * g.NextDouble());
        return t;
    }

    /// <summary>Uniform int64 values in [low, high).</summary>
    public static Tensor RandInt(long low, long high, int[] shape, Generator? generator = null)
    {
        var g = generator ?? Generator.Default;
        var data = new long[ShapeMath.Numel(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = g.NextInt64(low, high);
        return new Tensor(new Storage(data), CheckShape(shape));
    }

    /// <summary>A random permutation of 0..n-1 (int64), as <c>torch.randperm</c>.</summary>
    public static Tensor RandPerm(int n, Generator? generator = null)
    {
        var g = generator ?? Generator.Default;
        var data = new long[n];
        for (int i = 0; i < n; i++) data[i] = i;
        for (int i = n - 1; i > 0; i--)
        {
            int j = (int)g.NextInt64(0, i + 1);
            (data[i], data[j]) = (data[j], data[i]);
        }
        return new Tensor(new Storage(data), [n]);
    }

    /// <summary>A copy with its own storage (differentiable).</summary>
    public Tensor Clone()
    {
        var copy = ContiguousCopy();
        return DType == DType.Float32
            ? Autograd.Graph.Record("CloneBackward", copy, (g, _) => [g], this)
            : copy;
    }

    /// <summary>Converts to another dtype (float ↔ int64 ↔ bool). Not differentiable.</summary>
    public Tensor To(DType dtype)
    {
        if (dtype == DType) return this;
        var c = Contiguous();
        var result = new Tensor(Storage.Allocate(dtype, Numel, zeroed: true), shape.ToArray());
        for (int i = 0; i < Numel; i++)
        {
            double v = c.DType switch { DType.Float32 => c.F[c.Offset + i], DType.Int64 => c.L[c.Offset + i], _ => c.B[c.Offset + i] ? 1 : 0 };
            switch (dtype)
            {
                case DType.Float32: result.F[i] = (float)v; break;
                case DType.Int64: result.L[i] = (long)v; break;
                default: result.B[i] = v != 0; break;
            }
        }
        return result;
    }

    public Tensor Float() => To(DType.Float32);
    public Tensor Long() => To(DType.Int64);

    /// <summary>Writes <paramref name="source"/>'s values into this tensor in place, with broadcasting; not recorded by autograd.</summary>
    public Tensor CopyFrom(Tensor source)
    {
        if (source.DType != DType) throw new ArgumentException($"copy: source is {source.DType.Name()}, destination is {DType.Name()}");
        var expanded = source.Expand(shape);
        switch (DType)
        {
            case DType.Float32: StridedCopy.Copy(expanded.F, expanded.Offset, expanded.strides, F, Offset, strides, shape); break;
            case DType.Int64: StridedCopy.Copy(expanded.L, expanded.Offset, expanded.strides, L, Offset, strides, shape); break;
            default: StridedCopy.Copy(expanded.B, expanded.Offset, expanded.strides, B, Offset, strides, shape); break;
        }
        Storage.Version++;
        return this;
    }

    internal Tensor ContiguousCopy()
    {
        var result = new Tensor(Storage.Allocate(DType, Numel, zeroed: false), shape.ToArray());
        result.CopyFrom(this);
        result.Storage.Version = 0;
        return result;
    }
}
