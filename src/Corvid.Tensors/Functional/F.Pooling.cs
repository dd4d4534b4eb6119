using Corvid.Tensors.Autograd;
using Corvid.Tensors.Kernels;

namespace Corvid.Tensors;

public static partial class F
{
    /// <summary>
    /// 2-D max pooling of x [N, C, H, W]. The gradient (of every order) goes to the chosen input, as in
    /// PyTorch. When no gradient is recorded (eval, no-grad) no indices are built: the window maxima are
    /// taken with SIMD down the rows, then across the columns.
    /// </summary>
    public static Tensor MaxPool2d(Tensor input, (int H, int W) kernel, (int H, int W)? stride = null, (int H, int W)? padding = null, (int H, int W)? dilation = null, bool ceilMode = false)
    {
        var window = MaxPoolWindow(input, kernel, stride, padding, dilation, ceilMode);
        if (GradMode.IsEnabled && input.RequiresGrad) return MaxPoolIndexed(input, window).Values;
        var x = input.Contiguous();
        int n = input.shape[0], c = input.shape[1];
        var y = Tensor.Empty([n, c, window.OutH, window.OutW]);
        if (y.Numel == 0) return y;
        unsafe
        {
            fixed (float* xp = &x.F[x.Offset], yp = y.F)
                MaxPool2dKernel.Values(window, n * c, xp, yp);
        }
        return y;
    }

    public static Tensor MaxPool2d(Tensor input, int kernel, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false) =>
        MaxPool2d(input, (kernel, kernel), (stride ?? kernel, stride ?? kernel), (padding, padding), (dilation, dilation), ceilMode);

    /// <summary>Max pooling that also returns, per output, the flat index (h * W + w) of the chosen input.</summary>
    public static (Tensor Values, Tensor Indices) MaxPool2dWithIndices(Tensor input, (int H, int W) kernel, (int H, int W)? stride = null, (int H, int W)? padding = null, (int H, int W)? dilation = null, bool ceilMode = false)
    {
        var window = MaxPoolWindow(input, kernel, stride, padding, dilation, ceilMode);
        var (values, idx) = MaxPoolIndexed(input, window);
        var indices = new long[idx.Length];
        for (int i = 0; i < idx.Length; i++) indices[i] = idx[i];
        return (values, new Tensor(new Storage(indices), values.shape.ToArray()));
    }

    private static PoolWindow MaxPoolWindow(Tensor input, (int H, int W) kernel, (int H, int W)? stride, (int H, int W)? padding, (int H, int W)? dilation, bool ceilMode)
    {
        var s = stride ?? kernel;
        var p = padding ?? (0, 0);
        var d = dilation ?? (1, 1);
        if (input.Rank != 4)
            throw new ArgumentException($"max_pool2d: expected input [N, C, H, W], got shape {ShapeMath.Format(input.shape)}");
        input.RequireDType(DType.Float32, "max_pool2d");
        if (kernel.H <= 0 || kernel.W <= 0 || s.H <= 0 || s.W <= 0 || d.H <= 0 || d.W <= 0)
            throw new ArgumentException($"max_pool2d: kernel ({kernel.H}, {kernel.W}), stride ({s.H}, {s.W}) and dilation ({d.H}, {d.W}) must be positive");
        if (p.H < 0 || p.W < 0 || p.H > kernel.H / 2 || p.W > kernel.W / 2)
            throw new ArgumentException($"max_pool2d: padding ({p.H}, {p.W}) must be at least 0 and at most half the kernel ({kernel.H}, {kernel.W})");
        int h = input.shape[2], w = input.shape[3];
        int oh = PoolOutSize(h, kernel.H, s.H, p.H, d.H, ceilMode), ow = PoolOutSize(w, kernel.W, s.W, p.W, d.W, ceilMode);
        if (oh <= 0 || ow <= 0)
            throw new ArgumentException($"max_pool2d: input {h}x{w} is too small for kernel ({kernel.H}, {kernel.W}) with padding ({p.H}, {p.W})");
        return new PoolWindow(h, w, oh, ow, kernel.H, kernel.W, s.H, s.W, p.H, p.W, d.H, d.W);
    }

    /// <summary>Values and argmax positions in one pass; the backward sends each gradient to its argmax.</summary>
    private static (Tensor Values, int[] Indices) MaxPoolIndexed(Tensor input, PoolWindow window)
    {
        int n = input.shape[0], c = input.shape[1];
        var x = input.Contiguous();
        var values = Tensor.Empty([n, c, window.OutH, window.OutW]);
        var idx = GC.AllocateUninitializedArray<int>(values.Numel); // the kernel writes every index
        if (values.Numel > 0)
        {
            unsafe
            {
                fixed (float* xp = &x.F[x.Offset], yp = values.F)
                fixed (int* ip = idx)
                    MaxPool2dKernel.ValuesAndIndices(window, n * c, xp, yp, ip);
            }
        }
        var inputShape = input.shape.ToArray();
        values = Graph.Record("MaxPool2DWithIndicesBackward", values, (g, _) => [MaxPoolScatter(g, idx, window, inputShape)], input);
        return (values, idx);
    }

    /// <summary>
    /// Max pooling's backward: g [N, C, oh, ow] added at the argmax positions of a zero [N, C, H, W].
    /// Linear in g, so its own gradient is the matching gather, and the pair is closed under differentiation.
    /// </summary>
    private static Tensor MaxPoolScatter(Tensor g, int[] idx, PoolWindow window, int[] inputShape)
    {
        var gc = g.Contiguous();
        var gx = Tensor.Empty(inputShape);
        if (gx.Numel > 0 && gc.Numel > 0)
        {
            unsafe
            {
                fixed (float* gp = &gc.F[gc.Offset], gxp = gx.F)
                fixed (int* ip = idx)
                    MaxPool2dKernel.Scatter(window, inputShape[0] * inputShape[1], gp, ip, gxp);
            }
        }
        else gx.MutableSpan().Clear();
        return Graph.Record("MaxPool2DWithIndicesBackwardBackward", gx, (gg, _) => [MaxPoolGather(gg, idx, window, g.shape.ToArray())], g);
    }

    /// <summary>The values of t [N, C, H, W] at the argmax positions: [N, C, oh, ow].</summary>
    private static Tensor MaxPoolGather(Tensor t, int[] idx, PoolWindow window, int[] outputShape)
    {
        var tc = t.Contiguous();
        var y = Tensor.Empty(outputShape);
        if (y.Numel > 0)
        {
            unsafe
            {
                fixed (float* tp = &tc.F[tc.Offset], yp = y.F)
                fixed (int* ip = idx)
                    MaxPool2dKernel.Gather(window, outputShape[0] * outputShape[1], tp, ip, yp);
            }
        }
        var inputShape = t.shape.ToArray();
        return Graph.Record("MaxPoolGatherBackward", y, (g, _) => [MaxPoolScatter(g, idx, window, inputShape)], t);
    }

    private static int PoolOutSize(int size, int kernel, int stride, int pad, int dilation, bool ceil)
    {
        double span = size + 2.0 * pad - dilation * (kernel - 1) - 1;
        int o = (int)(ceil ? Math.Ceiling(span / stride) : Math.Floor(span / stride)) + 1;
        // As PyTorch: with ceil mode the last window must start inside the input or left padding.
        if (ceil && (o - 1) * stride >= size + pad) o--;
        return o;
    }

    /// <summary>
    /// 2-D average pooling of x [N, C, H, W]: window sums (down the rows with SIMD, then across) over the
    /// window's size, or with <paramref name="countIncludePad"/> false over its cells inside the input.
    /// Planes run in parallel; the gradient (of every order) is the transposed pooling.
    /// </summary>
    public static Tensor AvgPool2d(Tensor input, (int H, int W) kernel, (int H, int W)? stride = null, (int H, int W)? padding = null, bool countIncludePad = true)
    {
        var s = stride ?? kernel;
        var p = padding ?? (0, 0);
        if (input.Rank != 4)
            throw new ArgumentException($"avg_pool2d: expected input [N, C, H, W], got shape {ShapeMath.Format(input.shape)}");
        input.RequireDType(DType.Float32, "avg_pool2d");
        if (kernel.H <= 0 || kernel.W <= 0 || s.H <= 0 || s.W <= 0)
            throw new ArgumentException($"avg_pool2d: kernel ({kernel.H}, {kernel.W}) and stride ({s.H}, {s.W}) must be positive");
        if (p.H < 0 || p.W < 0 || p.H > kernel.H / 2 || p.W > kernel.W / 2)
            throw new ArgumentException($"avg_pool2d: padding ({p.H}, {p.W}) must be at least 0 and at most half the kernel ({kernel.H}, {kernel.W})");
        int h = input.shape[2], w = input.shape[3];
        int oh = PoolOutSize(h, kernel.H, s.H, p.H, 1, false), ow = PoolOutSize(w, kernel.W, s.W, p.W, 1, false);
        if (oh <= 0 || ow <= 0)
            throw new ArgumentException($"avg_pool2d: input {h}x{w} is too small for kernel ({kernel.H}, {kernel.W}) with padding ({p.H}, {p.W})");
        var window = new PoolWindow(h, w, oh, ow, kernel.H, kernel.W, s.H, s.W, p.H, p.W, 1, 1);
        return AvgPoolForward(input, window, AvgPoolInverseCounts(window, countIncludePad));
    }

    /// <summary>1 / the divisor of each output: the window's size, or its cells inside the input.</summary>
    private static float[] AvgPoolInverseCounts(PoolWindow g, bool countIncludePad)
    {
        var inverse = new float[g.OutPlane];
        for (int i = 0; i < g.OutH; i++)
        for (int j = 0; j < g.OutW; j++)
        {
            int rows = g.KH, cols = g.KW;
            if (!countIncludePad)
            {
                int r0 = i * g.SH - g.PH, c0 = j * g.SW - g.PW;
                rows = Math.Min(r0 + g.KH, g.H) - Math.Max(r0, 0);
                cols = Math.Min(c0 + g.KW, g.W) - Math.Max(c0, 0);
            }
            inverse[i * g.OutW + j] = 1f / (rows * cols);
        }
        return inverse;
    }

    private static Tensor AvgPoolForward(Tensor input, PoolWindow window, float[] inverseCounts)
    {
        int n = input.shape[0], c = input.shape[1];
        var x = input.Contiguous();
        var y = Tensor.Empty([n, c, window.OutH, window.OutW]);
        if (y.Numel > 0)
        {
            unsafe
            {
                fixed (float* xp = &x.F[x.Offset], yp = y.F, ip = inverseCounts)
                    AvgPool2dKernel.Forward(window, n * c, xp, ip, yp);
            }
        }
        var inputShape = input.shape.ToArray();
        return Graph.Record("AvgPool2DBackward", y, (g, _) => [AvgPoolTransposed(g, window, inverseCounts, inputShape)], input);
    }

    /// <summary>Average pooling's backward: each output's gradient over its count, spread over its window.</summary>
    private static Tensor AvgPoolTransposed(Tensor g, PoolWindow window, float[] inverseCounts, int[] inputShape)
    {
        var gc = g.Contiguous();
        var gx = Tensor.Empty(inputShape);
        if (gx.Numel > 0)
        {
            unsafe
            {
                fixed (float* gp = &gc.F[gc.Offset], gxp = gx.F, ip = inverseCounts)
                    AvgPool2dKernel.Backward(window, inputShape[0] * inputShape[1], gp, ip, gxp);
            }
        }
        return Graph.Record("AvgPool2DBackwardBackward", gx, (gg, _) => [AvgPoolForward(gg, window, inverseCounts)], g);
    }

    public static Tensor AvgPool2d(Tensor input, int kernel, int? stride = null, int padding = 0, bool countIncludePad = true) =>
        AvgPool2d(input, (kernel, kernel), (stride ?? kernel, stride ?? kernel), (padding, padding), countIncludePad);

    /// <summary>Adaptive average pooling to (outH, outW) with PyTorch's windows: [floor(i·H/o), ceil((i+1)·H/o)).</summary>
    public static Tensor AdaptiveAvgPool2d(Tensor input, (int H, int W) outputSize)
    {
        if (input.Rank != 4)
            throw new ArgumentException($"adaptive_avg_pool2d: expected input [N, C, H, W], got shape {ShapeMath.Format(input.shape)}");
        var rows = AveragingMatrix(input.shape[2], outputSize.H);
        var cols = AveragingMatrix(input.shape[3], outputSize.W);
        return rows.Matmul(input).Matmul(cols.T);
    }

    public static Tensor AdaptiveAvgPool2d(Tensor input, int outputSize) => AdaptiveAvgPool2d(input, (outputSize, outputSize));

    private static Tensor AveragingMatrix(int size, int outSize)
    {
        if (outSize <= 0) throw new ArgumentException($"adaptive_avg_pool2d: output size must be positive, got {outSize}");
        var m = Tensor.Zeros(outSize, size);
        var f = m.MutableSpan();
        for (int i = 0; i < outSize; i++)
        {
            int start = i * size / outSize;
            int end = ((i + 1) * size + outSize - 1) / outSize;
            for (int j = start; j < end; j++) f[i * size + j] = 1f / (end - start);
        }
        return m;
    }

    /// <summary>
    /// Resizes x [N, C, H, W] with mode "nearest" or "bilinear" (PyTorch's coordinate rules, with
    /// alignCorners for bilinear). Give either a size or a scale factor.
    /// </summary>
    public static Tensor Interpolate(Tensor input, (int H, int W)? size = null, double? scaleFactor = null, string mode = "nearest", bool alignCorners = false)
    {
        if (input.Rank != 4)
            throw new ArgumentException($"interpolate: expected input [N, C, H, W], got shape {ShapeMath.Format(input.shape)}");
        if (size is null == scaleFactor is null)
            throw new ArgumentException("interpolate: give exactly one of size and scaleFactor");
        int h = input.shape[2], w = input.shape[3];
        var (oh, ow) = size ?? ((int)Math.Floor(h * scaleFactor!.Value), (int)Math.Floor(w * scaleFactor!.Value));
        if (oh <= 0 || ow <= 0) throw new ArgumentException($"interpolate: output size ({oh}, {ow}) must be positive");
        // With a scale factor PyTorch maps coordinates by 1/scale; with a size, by in/out.
        double scaleH = scaleFactor is { } sf ? 1.0 / sf : (double)h / oh;
        double scaleW = scaleFactor is { } sf2 ? 1.0 / sf2 : (double)w / ow;
        switch (mode)
        {
            case "nearest":
                var rowIdx = NearestIndices(h, oh, scaleH);
                var colIdx = NearestIndices(w, ow, scaleW);
                return input.IndexSelect(2, rowIdx).IndexSelect(3, colIdx);
            case "bilinear":
                var rows = LinearMatrix(h, oh, scaleH, alignCorners);
                var cols = LinearMatrix(w, ow, scaleW, alignCorners);
                return rows.Matmul(input).Matmul(cols.T);
            default:
                throw new ArgumentException($"interpolate: unknown mode '{mode}' (expected 'nearest' or 'bilinear')");
        }
    }

    private static Tensor NearestIndices(int size, int outSize, double scale)
    {
        var idx = new long[outSize];
        for (int i = 0; i < outSize; i++) idx[i] = Math.Min((long)Math.Floor(i * (float)scale), size - 1);
        return Tensor.FromArray(idx);
    }

    private static Tensor LinearMatrix(int size, int outSize, double scale, bool alignCorners)
    {
        var m = Tensor.Zeros(outSize, size);
        var f = m.MutableSpan();
        for (int i = 0; i < outSize; i++)
        {
            double src = alignCorners
                ? (outSize > 1 ? i * (size - 1.0) / (outSize - 1.0) : 0)
                : Math.Max((i + 0.5) * scale - 0.5, 0);
            int i0 = Math.Min((int)Math.Floor(src), size - 1);
            int i1 = Math.Min(i0 + 1, size - 1);
            double lambda = src - i0;
            f[i * size + i0] += (float)(1 - lambda);
            f[i * size + i1] += (float)lambda;
        }
        return m;
    }
}
