using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Corvid.Tensors.Kernels;

/// <summary>
/// Direct kernels for depthwise convolution (each output channel reads one input channel, as in
/// ConvNeXt's 7x7 and MobileNet's 3x3), where im2col would build a matrix for a product with a single
/// row. Each plane is copied once into zero-padded scratch, so the inner loops have no bounds tests,
/// and output rows are computed a few vectors at a time with the running sums in registers.
/// </summary>
/// <remarks>
/// Threads split planes (forward, input gradient) or channels (weight gradient); each element is
/// summed in the same order whatever the thread count. Stride 1 is vectorised along the row; other
/// strides take a scalar path.
/// </remarks>
internal static unsafe class DepthwiseConv2d
{
    public static void Forward(in Conv2dGeometry g, float* input, float* weight, float* bias, float* output)
    {
        var work = new Work { G = g, Kind = Pass.Forward, Input = input, Weight = weight, Bias = bias, Output = output };
        Run(ref work, g.Batch * g.OutChannels);
    }

    public static void BackwardInput(in Conv2dGeometry g, float* gradOutput, float* weight, float* gradInput)
    {
        var work = new Work { G = g, Kind = Pass.BackwardInput, Output = gradOutput, Weight = weight, Input = gradInput };
        Run(ref work, g.Batch * g.InChannels);
    }

    public static void BackwardWeight(in Conv2dGeometry g, float* gradOutput, float* input, float* gradWeight)
    {
        var work = new Work { G = g, Kind = Pass.BackwardWeight, Output = gradOutput, Input = input, Weight = gradWeight };
        Run(ref work, g.OutChannels);
    }

    static void Run(ref Work work, int units)
    {
        long flops = 2L * work.G.OutputLength * work.G.KernelHeight * work.G.KernelWidth;
        int threads = (int)Math.Clamp(flops / (1L << 19), 1, Math.Min(units, WorkerPool.AvailableThreads));
        work.Units = units;
        WorkerPool.Run(ref work, threads);
    }

    enum Pass { Forward, BackwardInput, BackwardWeight }

    struct Work : IParallelWork
    {
        public Conv2dGeometry G;
        public Pass Kind;
        public float* Input, Weight, Bias, Output;
        public int Units;

        public readonly void Execute(int part, int parts)
        {
            int start = (int)((long)Units * part / parts), end = (int)((long)Units * (part + 1) / parts);
            switch (GemmIsaSelection.Best)
            {
                case GemmIsa.Vector512: Execute<Vector512<float>, Vector512Ops>(start, end); break;
                case GemmIsa.Vector256: Execute<Vector256<float>, Vector256Ops>(start, end); break;
                default: Execute<Vector128<float>, Vector128Ops>(start, end); break;
            }
        }

        readonly void Execute<TVector, TOps>(int start, int end)
            where TVector : struct where TOps : struct, IVectorOps<TVector>
        {
            for (int unit = start; unit < end; unit++)
            {
                switch (Kind)
                {
                    case Pass.Forward: ForwardPlane<TVector, TOps>(G, unit, Input, Weight, Bias, Output); break;
                    case Pass.BackwardInput: BackwardInputPlane<TVector, TOps>(G, unit, Output, Weight, Input); break;
                    default: BackwardWeightChannel<TVector, TOps>(G, unit, Output, Input, Weight); break;
                }
            }
        }
    }

    /// <summary>Scratch layout for one plane: a zero-padded copy, wide enough for whole-vector reads past the last column.</summary>
    readonly struct Padded
    {
        public readonly int Rows, Width, Top, Left;

        public Padded(int height, int width, int top, int left, int readWidth)
        {
            Top = top;
            Left = left;
            Rows = height + 2 * top;
            Width = Math.Max(width + 2 * left, readWidth);
        }

        /// <summary>Copies a <c>height x width</c> plane into <paramref name="dst"/> at (Top, Left), zeros around it.</summary>
        public void Fill(float* dst, float* plane, int height, int width)
        {
            new Span<float>(dst, Rows * Width).Clear();
            for (int y = 0; y < height; y++)
                new ReadOnlySpan<float>(plane + (long)y * width, width).CopyTo(new Span<float>(dst + (long)(y + Top) * Width + Left, width));
        }
    }

    static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    /// <summary>Output plane <c>(n, o)</c> = unit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void ForwardPlane<TVector, TOps>(in Conv2dGeometry g, int unit, float* input, float* weight, float* bias, float* output)
        where TVector : struct where TOps : struct, IVectorOps<TVector>
    {
        int n = unit / g.OutChannels, o = unit % g.OutChannels;
        int c = o / g.OutChannelsPerGroup;
        int oh = g.OutHeight, ow = g.OutWidth, kh = g.KernelHeight, kw = g.KernelWidth;
        int rowWidth = RoundUp(ow, TOps.Count);
        var pad = new Padded(g.InHeight, g.InWidth, g.PadH, g.PadW, rowWidth * g.StrideW + (kw - 1) * g.DilationW);
        float* padded = PackingBuffers.A(pad.Rows * pad.Width);
        float* row = PackingBuffers.B(rowWidth);
        pad.Fill(padded, input + ((long)n * g.InChannels + c) * g.InHeight * g.InWidth, g.InHeight, g.InWidth);
        float* w = weight + (long)o * kh * kw;
        float b = bias is null ? 0f : bias[o];
        float* dst = output + (long)unit * oh * ow;
        for (int y = 0; y < oh; y++)
        {
            float* top = padded + (long)y * g.StrideH * pad.Width;
            if (g.StrideW == 1) CorrelateRow<TVector, TOps>(top, pad.Width, w, kh, kw, g.DilationH, g.DilationW, row, rowWidth, b);
            else CorrelateRowStrided(top, pad.Width, w, kh, kw, g.DilationH, g.DilationW, g.StrideW, row, ow, b);
            new ReadOnlySpan<float>(row, ow).CopyTo(new Span<float>(dst + (long)y * ow, ow));
        }
    }

    /// <summary>
    /// <c>row[x] = bias + Σ w[i, j] · src[i·dh, x + j·dw]</c> for x in <c>[0, width)</c>, width a whole number of
    /// vectors; four vectors at a time share each broadcast weight.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void CorrelateRow<TVector, TOps>(float* src, int ld, float* w, int kh, int kw, int dh, int dw, float* row, int width, float bias)
        where TVector : struct where TOps : struct, IVectorOps<TVector>
    {
        int v = TOps.Count, x = 0;
        var b = TOps.Broadcast(bias);
        for (; x + 4 * v <= width; x += 4 * v)
        {
            TVector s0 = TOps.Zero, s1 = TOps.Zero, s2 = TOps.Zero, s3 = TOps.Zero;
            for (int i = 0; i < kh; i++)
            {
                float* line = src + (long)i * dh * ld + x;
                float* wi = w + i * kw;
                for (int j = 0; j < kw; j++)
                {
                    var k = TOps.Broadcast(wi[j]);
                    float* at = line + j * dw;
                    s0 = TOps.MultiplyAdd(k, TOps.Load(at), s0);
                    s1 = TOps.MultiplyAdd(k, TOps.Load(at + v), s1);
                    s2 = TOps.MultiplyAdd(k, TOps.Load(at + 2 * v), s2);
                    s3 = TOps.MultiplyAdd(k, TOps.Load(at + 3 * v), s3);
                }
            }
            TOps.Store(row + x, TOps.Add(s0, b));
            TOps.Store(row + x + v, TOps.Add(s1, b));
            TOps.Store(row + x + 2 * v, TOps.Add(s2, b));
            TOps.Store(row + x + 3 * v, TOps.Add(s3, b));
        }
        for (; x < width; x += v)
        {
            TVector s = TOps.Zero;
            for (int i = 0; i < kh; i++)
            {
                float* line = src + (long)i * dh * ld + x;
                for (int j = 0; j < kw; j++) s = TOps.MultiplyAdd(TOps.Broadcast(w[i * kw + j]), TOps.Load(line + j * dw), s);
            }
            TOps.Store(row + x, TOps.Add(s, b));
        }
    }

    static void CorrelateRowStrided(float* src, int ld, float* w, int kh, int kw, int dh, int dw, int stride, float* row, int width, float bias)
    {
        for (int x = 0; x < width; x++)
        {
            float s = 0f;
            for (int i = 0; i < kh; i++)
            {
                float* line = src + (long)i * dh * ld + x * stride;
                for (int j = 0; j < kw; j++) s += w[i * kw + j] * line[j * dw];
            }
            row[x] = s + bias;
        }
    }

    /// <summary>
    /// Input-gradient plane <c>(n, c)</c> = unit: the sum, over the output channels reading channel c, of each
    /// output gradient plane scattered back through its kernel. With stride 1 and padding at most the
    /// dilated kernel's reach, that is a correlation of the output gradient (padded by
    /// <c>dilation·(K − 1) − pad</c>) with the kernel turned by 180°, computed like the forward pass.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void BackwardInputPlane<TVector, TOps>(in Conv2dGeometry g, int unit, float* gradOutput, float* weight, float* gradInput)
        where TVector : struct where TOps : struct, IVectorOps<TVector>
    {
        int n = unit / g.InChannels, c = unit % g.InChannels;
        int h = g.InHeight, wid = g.InWidth, oh = g.OutHeight, ow = g.OutWidth, kh = g.KernelHeight, kw = g.KernelWidth;
        int reachH = g.DilationH * (kh - 1), reachW = g.DilationW * (kw - 1);
        float* dst = gradInput + (long)unit * h * wid;
        int perGroup = g.OutChannelsPerGroup;
        bool gather = g.StrideH == 1 && g.StrideW == 1 && g.PadH <= reachH && g.PadW <= reachW;
        if (!gather)
        {
            ScatterInputGradient(g, n, c, gradOutput, weight, dst);
            return;
        }
        int rowWidth = RoundUp(wid, TOps.Count);
        var pad = new Padded(oh, ow, reachH - g.PadH, reachW - g.PadW, rowWidth + reachW);
        float* padded = PackingBuffers.A(pad.Rows * pad.Width);
        float* row = PackingBuffers.B(rowWidth + kh * kw);
        float* flipped = row + rowWidth;
        for (int q = 0; q < perGroup; q++)
        {
            int o = c * perGroup + q;
            pad.Fill(padded, gradOutput + ((long)n * g.OutChannels + o) * oh * ow, oh, ow);
            float* w = weight + (long)o * kh * kw;
            for (int i = 0; i < kh * kw; i++) flipped[i] = w[kh * kw - 1 - i];
            for (int y = 0; y < h; y++)
            {
                CorrelateRow<TVector, TOps>(padded + (long)y * pad.Width, pad.Width, flipped, kh, kw, g.DilationH, g.DilationW, row, rowWidth, 0f);
                var to = new Span<float>(dst + (long)y * wid, wid);
                if (q == 0) new ReadOnlySpan<float>(row, wid).CopyTo(to);
                else System.Numerics.Tensors.TensorPrimitives.Add(to, new ReadOnlySpan<float>(row, wid), to);
            }
        }
    }

    /// <summary>The general input gradient (any stride and padding): each output gradient element adds itself, weighted, to the inputs it read.</summary>
    static void ScatterInputGradient(in Conv2dGeometry g, int n, int c, float* gradOutput, float* weight, float* dst)
    {
        int h = g.InHeight, wid = g.InWidth, oh = g.OutHeight, ow = g.OutWidth, kh = g.KernelHeight, kw = g.KernelWidth;
        new Span<float>(dst, h * wid).Clear();
        for (int q = 0; q < g.OutChannelsPerGroup; q++)
        {
            int o = c * g.OutChannelsPerGroup + q;
            float* src = gradOutput + ((long)n * g.OutChannels + o) * oh * ow;
            float* w = weight + (long)o * kh * kw;
            for (int y = 0; y < oh; y++)
            {
                for (int i = 0; i < kh; i++)
                {
                    int iy = y * g.StrideH - g.PadH + i * g.DilationH;
                    if ((uint)iy >= (uint)h) continue;
                    for (int j = 0; j < kw; j++)
                    {
                        float wij = w[i * kw + j];
                        int xOffset = j * g.DilationW - g.PadW;
                        var (x0, x1) = Im2Col.ValidRange(xOffset, g.StrideW, wid, ow);
                        float* line = dst + (long)iy * wid;
                        for (int x = x0; x < x1; x++) line[x * g.StrideW + xOffset] += wij * src[y * ow + x];
                    }
                }
            }
        }
    }

    /// <summary>
    /// Weight gradient of output channel o = unit, summed over the batch: for each tap (i, j), the dot
    /// product of the output gradient plane with the input plane shifted by that tap. Four taps of a row
    /// share each load of the output gradient.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void BackwardWeightChannel<TVector, TOps>(in Conv2dGeometry g, int unit, float* gradOutput, float* input, float* gradWeight)
        where TVector : struct where TOps : struct, IVectorOps<TVector>
    {
        int o = unit, c = o / g.OutChannelsPerGroup;
        int oh = g.OutHeight, ow = g.OutWidth, kh = g.KernelHeight, kw = g.KernelWidth, v = TOps.Count;
        int rowWidth = RoundUp(ow, v);
        var pad = new Padded(g.InHeight, g.InWidth, g.PadH, g.PadW, rowWidth * g.StrideW + (kw - 1) * g.DilationW);
        float* padded = PackingBuffers.A(pad.Rows * pad.Width);
        // The output gradient plane with rows widened by zeros to whole vectors: the extra lanes add nothing.
        float* grad = PackingBuffers.B(oh * rowWidth);
        new Span<float>(grad, oh * rowWidth).Clear();
        float* dw = gradWeight + (long)o * kh * kw;
        new Span<float>(dw, kh * kw).Clear();
        for (int n = 0; n < g.Batch; n++)
        {
            pad.Fill(padded, input + ((long)n * g.InChannels + c) * g.InHeight * g.InWidth, g.InHeight, g.InWidth);
            float* src = gradOutput + ((long)n * g.OutChannels + o) * oh * ow;
            for (int y = 0; y < oh; y++) new ReadOnlySpan<float>(src + (long)y * ow, ow).CopyTo(new Span<float>(grad + (long)y * rowWidth, ow));
            if (g.StrideW != 1)
            {
                TapsStrided(g, padded, pad.Width, grad, rowWidth, dw);
                continue;
            }
            for (int i = 0; i < kh; i++)
            {
                int j = 0;
                for (; j + 4 <= kw; j += 4)
                {
                    TVector s0 = TOps.Zero, s1 = TOps.Zero, s2 = TOps.Zero, s3 = TOps.Zero;
                    for (int y = 0; y < oh; y++)
                    {
                        float* gy = grad + (long)y * rowWidth;
                        float* line = padded + (long)(y * g.StrideH + i * g.DilationH) * pad.Width + j * g.DilationW;
                        for (int x = 0; x < rowWidth; x += v)
                        {
                            var d = TOps.Load(gy + x);
                            s0 = TOps.MultiplyAdd(d, TOps.Load(line + x), s0);
                            s1 = TOps.MultiplyAdd(d, TOps.Load(line + x + g.DilationW), s1);
                            s2 = TOps.MultiplyAdd(d, TOps.Load(line + x + 2 * g.DilationW), s2);
                            s3 = TOps.MultiplyAdd(d, TOps.Load(line + x + 3 * g.DilationW), s3);
                        }
                    }
                    dw[i * kw + j] += TOps.Sum(s0);
                    dw[i * kw + j + 1] += TOps.Sum(s1);
                    dw[i * kw + j + 2] += TOps.Sum(s2);
                    dw[i * kw + j + 3] += TOps.Sum(s3);
                }
                for (; j < kw; j++)
                {
                    TVector s = TOps.Zero;
                    for (int y = 0; y < oh; y++)
                    {
                        float* gy = grad + (long)y * rowWidth;
                        float* line = padded + (long)(y * g.StrideH + i * g.DilationH) * pad.Width + j * g.DilationW;
                        for (int x = 0; x < rowWidth; x += v) s = TOps.MultiplyAdd(TOps.Load(gy + x), TOps.Load(line + x), s);
                    }
                    dw[i * kw + j] += TOps.Sum(s);
                }
            }
        }
    }

    static void TapsStrided(in Conv2dGeometry g, float* padded, int ld, float* grad, int rowWidth, float* dw)
    {
        int kh = g.KernelHeight, kw = g.KernelWidth;
        for (int i = 0; i < kh; i++)
        {
            for (int j = 0; j < kw; j++)
            {
                float s = 0f;
                for (int y = 0; y < g.OutHeight; y++)
                {
                    float* line = padded + (long)(y * g.StrideH + i * g.DilationH) * ld + j * g.DilationW;
                    float* gy = grad + (long)y * rowWidth;
                    for (int x = 0; x < g.OutWidth; x++) s += gy[x] * line[x * g.StrideW];
                }
                dw[i * kw + j] += s;
            }
        }
    }
}
