namespace Corvid.Tensors;

public static partial class F
{
    /// <summary>
    /// 2-D max pooling of x [N, C, H, W]. The values are a gather at the argmax positions, so the
    /// gradient (of every order) goes to the chosen input, as in PyTorch.
    /// </summary>
    public static Tensor MaxPool2d(Tensor input, (int H, int W) kernel, (int H, int W)? stride = null, (int H, int W)? padding = null, (int H, int W)? dilation = null, bool ceilMode = false) =>
        MaxPool2dWithIndices(input, kernel, stride, padding, dilation, ceilMode).Values;

    public static Tensor MaxPool2d(Tensor input, int kernel, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false) =>
        MaxPool2d(input, (kernel, kernel), (stride ?? kernel, stride ?? kernel), (padding, padding), (dilation, dilation), ceilMode);

    /// <summary>Max pooling that also returns, per output, the flat index (h * W + w) of the chosen input.</summary>
    public static (Tensor Values, Tensor Indices) MaxPool2dWithIndices(Tensor input, (int H, int W) kernel, (int H, int W)? stride = null, (int H, int W)? padding = null, (int H, int W)? dilation = null, bool ceilMode = false)
    {
        var s = stride ?? kernel;
        var p = padding ?? (0, 0);
        var d = dilation ?? (1, 1);
        if (input.Rank != 4)
            throw new ArgumentException($"max_pool2d: expected input [N, C, H, W], got shape {ShapeMath.Format(input.shape)}");
        if (p.H > kernel.H / 2 || p.W > kernel.W / 2)
            throw new ArgumentException($"max_pool2d: padding ({p.H}, {p.W}) must be at most half the kernel ({kernel.H}, {kernel.W})");
        int n = input.shape[0], c = input.shape[1], h = input.shape[2], w = input.shape[3];
        int oh = PoolOutSize(h, kernel.H, s.H, p.H, d.H, ceilMode), ow = PoolOutSize(w, kernel.W, s.W, p.W, d.W, ceilMode);
        if (oh <= 0 || ow <= 0)
            throw new ArgumentException($"max_pool2d: input {h}x{w} is too small for kernel ({kernel.H}, {kernel.W}) with padding ({p.H}, {p.W})");
        var x = input.Contiguous();
        var xs = x.AsSpan();
        var idx = new long[n * c * oh * ow];
        for (int plane = 0; plane < n * c; plane++)
        {
            var src = xs.Slice(plane * h * w, h * w);
            for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++)
            {
                int best = -1;
                float bestValue = float.NegativeInfinity;
                for (int ki = 0; ki < kernel.H; ki++)
                {
                    int y = i * s.H - p.H + ki * d.H;
                    if (y < 0 || y >= h) continue;
                    for (int kj = 0; kj < kernel.W; kj++)
                    {
                        int xx = j * s.W - p.W + kj * d.W;
                        if (xx < 0 || xx >= w) continue;
                        float v = src[y * w + xx];
                        if (best < 0 || v > bestValue || float.IsNaN(v))
                        {
                            best = y * w + xx;
                            bestValue = v;
                            if (float.IsNaN(v)) goto chosen;
                        }
                    }
                }
            chosen:
                idx[(plane * oh + i) * ow + j] = best;
            }
        }
        var indices = new Tensor(new Storage(idx), [n, c, oh, ow]);
        var values = input.Reshape(n, c, h * w).Gather(2, indices.View(n, c, oh * ow)).View(n, c, oh, ow);
        return (values, indices);
    }

    private static int PoolOutSize(int size, int kernel, int stride, int pad, int dilation, bool ceil)
    {
        double span = size + 2.0 * pad - dilation * (kernel - 1) - 1;
        int o = (int)(ceil ? Math.Ceiling(span / stride) : Math.Floor(span / stride)) + 1;
        // As PyTorch: with ceil mode the last window must start inside the input or left padding.
        if (ceil && (o - 1) * stride >= size + pad) o--;
        return o;
    }

    /// <summary>2-D average pooling; a depthwise convolution with a constant kernel, so its gradient comes for free.</summary>
    public static Tensor AvgPool2d(Tensor input, (int H, int W) kernel, (int H, int W)? stride = null, (int H, int W)? padding = null, bool countIncludePad = true)
    {
        var s = stride ?? kernel;
        var p = padding ?? (0, 0);
        if (input.Rank != 4)
            throw new ArgumentException($"avg_pool2d: expected input [N, C, H, W], got shape {ShapeMath.Format(input.shape)}");
        if (p.H > kernel.H / 2 || p.W > kernel.W / 2)
            throw new ArgumentException($"avg_pool2d: padding ({p.H}, {p.W}) must be at most half the kernel ({kernel.H}, {kernel.W})");
        int n = input.shape[0], c = input.shape[1], h = input.shape[2], w = input.shape[3];
        var planes = input.Reshape(n * c, 1, h, w);
        var ones = Tensor.Ones(1, 1, kernel.H, kernel.W);
        var sums = Conv2d(planes, ones, null, s, p);
        Tensor result;
        if (countIncludePad)
        {
            result = sums / (kernel.H * kernel.W);
        }
        else
        {
            var counts = Conv2d(Tensor.Ones(1, 1, h, w), ones, null, s, p);
            result = sums / counts;
        }
        return result.Reshape(n, c, result.shape[2], result.shape[3]);
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
