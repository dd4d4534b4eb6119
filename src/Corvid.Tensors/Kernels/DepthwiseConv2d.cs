using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Corvid.Tensors.Kernels;

/// <summary>
/// Direct kernels for depthwise convolution (each output channel reads one input channel, as in
/// ConvNeXt's 7x7 and MobileNet's 3x3), where im2col would build a matrix for a product with a single
/// row. Each plane is copied once into zero-padded scratch, so the inner loops have no bounds tests,
/// and the whole plane is computed as one flat correlation (see <see cref="Padded"/>), several vectors
/// at a time with the running sums in registers.
/// </summary>
/// <remarks>
/// Threads split planes (forward, input gradient) or channels (weight gradient); each element is
/// summed in the same order whatever the thread count. Stride 1 is vectorised; other strides take a
/// scalar path. In the weight gradient the dropped columns between rows meet zeros of the output
/// gradient, so an infinite input there would turn into NaN where PyTorch keeps it out of the sum.
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
            var (start, end) = WorkerPool.Share(Units, part, parts);
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

    /// <summary>
    /// One plane copied into scratch with zero padding around it, rows <see cref="Width"/> apart and no
    /// gap between rows. At stride 1 the whole output plane is then one "flat" correlation: output
    /// (y, x) sits at flat index <c>y·Width + x</c> and reads flat index <c>y·Width + x + i·dh·Width + j·dw</c>,
    /// so one long vector loop covers every row (a 7x7 plane is 6 vectors, not 7 mostly empty ones); the
    /// <c>Width − OW</c> columns between rows are computed and dropped.
    /// </summary>
    readonly struct Padded
    {
        public readonly int Rows, Width, Top, Left;

        public Padded(int height, int width, int top, int left)
        {
            Top = top;
            Left = left;
            Rows = height + 2 * top;
            Width = width + 2 * left;
        }

        /// <summary>Floats to allocate: the plane plus slack for whole-vector reads past its end.</summary>
        public int Length(int reach) => Rows * Width + reach + 64;

        /// <summary>Copies a <c>height x width</c> plane into <paramref name="dst"/> at (Top, Left), zeros around it.</summary>
        public void Fill(float* dst, float* plane, int height, int width, int reach)
        {
            new Span<float>(dst, Length(reach)).Clear();
            for (int y = 0; y < height; y++)
                Copy(plane + (long)y * width, dst + (long)(y + Top) * Width + Left, width);
        }
    }

    /// <summary>A short copy: planes here are often 7 to 56 floats wide, where a call to a general copy costs more than the copy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Copy(float* src, float* dst, int count)
    {
        int i = 0;
        for (; i + 8 <= count; i += 8) Vector256.Store(Vector256.Load(src + i), dst + i);
        for (; i < count; i++) dst[i] = src[i];
    }

    static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    static bool Unstrided(in Conv2dGeometry g) => g.StrideH == 1 && g.StrideW == 1;

    /// <summary>Output plane <c>(n, o)</c> = unit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void ForwardPlane<TVector, TOps>(in Conv2dGeometry g, int unit, float* input, float* weight, float* bias, float* output)
        where TVector : struct where TOps : struct, IVectorOps<TVector>
    {
        int n = unit / g.OutChannels, o = unit % g.OutChannels;
        int c = o / g.OutChannelsPerGroup;
        int oh = g.OutHeight, ow = g.OutWidth, kh = g.KernelHeight, kw = g.KernelWidth;
        int reach = (kh - 1) * g.DilationH * (g.InWidth + 2 * g.PadW) + (kw - 1) * g.DilationW;
        var pad = new Padded(g.InHeight, g.InWidth, g.PadH, g.PadW);
        float* padded = PackingBuffers.A(pad.Length(reach));
        pad.Fill(padded, input + ((long)n * g.InChannels + c) * g.InHeight * g.InWidth, g.InHeight, g.InWidth, reach);
        float* w = weight + (long)o * kh * kw;
        float b = bias is null ? 0f : bias[o];
        float* dst = output + (long)unit * oh * ow;
        if (!Unstrided(g))
        {
            for (int y = 0; y < oh; y++)
                CorrelateRowStrided(padded + (long)y * g.StrideH * pad.Width, pad.Width, w, kh, kw, g.DilationH, g.DilationW, g.StrideW, dst + (long)y * ow, ow, b);
            return;
        }
        int flat = RoundUp(oh * pad.Width, TOps.Count);
        float* result = PackingBuffers.B(flat);
        Correlate<TVector, TOps>(padded, pad.Width, w, kh, kw, g.DilationH, g.DilationW, result, flat, b);
        for (int y = 0; y < oh; y++) Copy(result + (long)y * pad.Width, dst + (long)y * ow, ow);
    }

    /// <summary>A flat correlation at stride 1: the 7-wide AVX-512 kernel where it applies, else the general one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Correlate<TVector, TOps>(float* src, int ld, float* w, int kh, int kw, int dh, int dw, float* row, int width, float bias)
        where TVector : struct where TOps : struct, IVectorOps<TVector>
    {
        if (kw == 7 && dw == 1 && TOps.Count == 16 && DepthwiseRow7.IsSupported)
            DepthwiseRow7.Correlate(src, ld, w, kh, dh, row, width, bias);
        else
            CorrelateRow<TVector, TOps>(src, ld, w, kh, kw, dh, dw, row, width, bias);
    }

    /// <summary>
    /// <c>row[x] = bias + Σ w[i, j] · src[x + i·dh·ld + j·dw]</c> for x in <c>[0, width)</c>, width a whole number
    /// of vectors; four vectors at a time share each broadcast weight.
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
        var pad = new Padded(oh, ow, reachH - g.PadH, reachW - g.PadW);
        int reach = reachH * pad.Width + reachW;
        // The flat result has rows pad.Width apart; at stride 1, pad.Width = OW + 2·(reachW − PadW) = W + reachW.
        int flat = RoundUp(h * pad.Width, TOps.Count);
        float* padded = PackingBuffers.A(pad.Length(reach));
        float* result = PackingBuffers.B(flat + kh * kw);
        float* flipped = result + flat;
        for (int q = 0; q < perGroup; q++)
        {
            int o = c * perGroup + q;
            pad.Fill(padded, gradOutput + ((long)n * g.OutChannels + o) * oh * ow, oh, ow, reach);
            float* w = weight + (long)o * kh * kw;
            for (int i = 0; i < kh * kw; i++) flipped[i] = w[kh * kw - 1 - i];
            Correlate<TVector, TOps>(padded, pad.Width, flipped, kh, kw, g.DilationH, g.DilationW, result, flat, 0f);
            for (int y = 0; y < h; y++)
            {
                if (q == 0) Copy(result + (long)y * pad.Width, dst + (long)y * wid, wid);
                else
                {
                    var to = new Span<float>(dst + (long)y * wid, wid);
                    System.Numerics.Tensors.TensorPrimitives.Add(to, new ReadOnlySpan<float>(result + (long)y * pad.Width, wid), to);
                }
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
        var pad = new Padded(g.InHeight, g.InWidth, g.PadH, g.PadW);
        int reach = (kh - 1) * g.DilationH * pad.Width + (kw - 1) * g.DilationW;
        float* padded = PackingBuffers.A(pad.Length(reach));
        // The output gradient laid out flat like the output: rows pad.Width apart, zeros between them,
        // so the columns computed and dropped in the forward pass add nothing here.
        int flat = RoundUp(oh * pad.Width, v);
        float* grad = PackingBuffers.B(flat);
        new Span<float>(grad, flat).Clear();
        float* dw = gradWeight + (long)o * kh * kw;
        new Span<float>(dw, kh * kw).Clear();
        for (int n = 0; n < g.Batch; n++)
        {
            pad.Fill(padded, input + ((long)n * g.InChannels + c) * g.InHeight * g.InWidth, g.InHeight, g.InWidth, reach);
            float* src = gradOutput + ((long)n * g.OutChannels + o) * oh * ow;
            if (!Unstrided(g))
            {
                TapsStrided(g, padded, pad.Width, src, dw);
                continue;
            }
            for (int y = 0; y < oh; y++) Copy(src + (long)y * ow, grad + (long)y * pad.Width, ow);
            for (int i = 0; i < kh; i++)
            {
                float* line = padded + (long)i * g.DilationH * pad.Width;
                int j = 0;
                for (; j + 4 <= kw; j += 4)
                {
                    float* at = line + j * g.DilationW;
                    int step = g.DilationW;
                    TVector s0 = TOps.Zero, s1 = TOps.Zero, s2 = TOps.Zero, s3 = TOps.Zero;
                    for (int q = 0; q < flat; q += v)
                    {
                        var d = TOps.Load(grad + q);
                        s0 = TOps.MultiplyAdd(d, TOps.Load(at + q), s0);
                        s1 = TOps.MultiplyAdd(d, TOps.Load(at + q + step), s1);
                        s2 = TOps.MultiplyAdd(d, TOps.Load(at + q + 2 * step), s2);
                        s3 = TOps.MultiplyAdd(d, TOps.Load(at + q + 3 * step), s3);
                    }
                    dw[i * kw + j] += TOps.Sum(s0);
                    dw[i * kw + j + 1] += TOps.Sum(s1);
                    dw[i * kw + j + 2] += TOps.Sum(s2);
                    dw[i * kw + j + 3] += TOps.Sum(s3);
                }
                for (; j < kw; j++)
                {
                    float* at = line + j * g.DilationW;
                    TVector sum = TOps.Zero;
                    for (int q = 0; q < flat; q += v) sum = TOps.MultiplyAdd(TOps.Load(grad + q), TOps.Load(at + q), sum);
                    dw[i * kw + j] += TOps.Sum(sum);
                }
            }
        }
    }

    /// <summary>The weight gradient of one image at any stride: each tap's dot product, one element at a time.</summary>
    static void TapsStrided(in Conv2dGeometry g, float* padded, int ld, float* grad, float* dw)
    {
        int kh = g.KernelHeight, kw = g.KernelWidth, ow = g.OutWidth;
        for (int i = 0; i < kh; i++)
        {
            for (int j = 0; j < kw; j++)
            {
                float s = 0f;
                for (int y = 0; y < g.OutHeight; y++)
                {
                    float* line = padded + (long)(y * g.StrideH + i * g.DilationH) * ld + j * g.DilationW;
                    float* gy = grad + (long)y * ow;
                    for (int x = 0; x < ow; x++) s += gy[x] * line[x * g.StrideW];
                }
                dw[i * kw + j] += s;
            }
        }
    }
}
