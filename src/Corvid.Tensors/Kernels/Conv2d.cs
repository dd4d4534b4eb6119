using System.Numerics.Tensors;

namespace Corvid.Tensors.Kernels;

/// <summary>
/// 2-D convolution (and 1-D, as height 1) in NCHW float32 on contiguous spans: forward and the
/// gradients. PyTorch's semantics: cross-correlation with stride, zero padding, dilation and groups.
/// </summary>
/// <remarks>
/// Depthwise convolutions (one input channel per group) use direct kernels (<see cref="DepthwiseConv2d"/>).
/// Otherwise each (image, group) is one matrix multiply over its im2col matrix: forward is
/// <c>W[OC/g, C/g·KH·KW] × col[C/g·KH·KW, OH·OW]</c> with the bias added as the product is stored; the
/// input gradient is <c>Wᵀ × dY</c> folded back by col2im (which is also conv_transpose's forward); the
/// weight gradient is <c>dY × colᵀ</c> summed over the batch. A 1x1 convolution with stride 1 and no
/// padding needs no im2col: the image is the column matrix.
/// <para>
/// Threads: with enough images, forward and input gradient give each thread whole images; otherwise,
/// and for the weight gradient (a sum over images), the matrix multiplies split the work. Either way
/// results are bit-identical for any <see cref="Threads.Count"/>.
/// </para>
/// </remarks>
public static unsafe class Conv2d
{
    /// <summary>Output <c>[N, OC, OH, OW]</c> (overwritten) of input <c>[N, C, H, W]</c>, weight <c>[OC, C/groups, KH, KW]</c> and bias (empty or <c>[OC]</c>).</summary>
    public static void Forward(in Conv2dGeometry g, ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output)
    {
        g.Validate();
        CheckInput(g, input);
        CheckWeight(g, weight);
        if (bias.Length != 0 && bias.Length != g.OutChannels)
            throw new ArgumentException($"conv2d: bias has {bias.Length} elements, expected 0 or OutChannels {g.OutChannels}");
        CheckOutput("output", g, output.Length);
        if (g.Batch == 0) return;
        fixed (float* x = input, w = weight, b = bias, y = output)
        {
            float* biasOrNull = bias.IsEmpty ? null : b;
            if (g.IsDepthwise)
            {
                DepthwiseConv2d.Forward(g, x, w, biasOrNull, y);
                return;
            }
            var work = new ImageWork { G = g, Backward = false, Input = x, Weight = w, Bias = biasOrNull, Output = y };
            RunOverImages(ref work);
        }
    }

    /// <summary>Gradient w.r.t. the input, <c>[N, C, H, W]</c> (overwritten); also conv_transpose2d's forward with this weight.</summary>
    public static void BackwardInput(in Conv2dGeometry g, ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> weight, Span<float> gradInput)
    {
        g.Validate();
        CheckOutput("gradOutput", g, gradOutput.Length);
        CheckWeight(g, weight);
        Conv2dGeometry.CheckLength("gradInput", gradInput.Length, g.InputLength, InputShape(g));
        if (g.Batch == 0) return;
        fixed (float* dy = gradOutput, w = weight, dx = gradInput)
        {
            if (g.IsDepthwise)
            {
                DepthwiseConv2d.BackwardInput(g, dy, w, dx);
                return;
            }
            var work = new ImageWork { G = g, Backward = true, Input = dx, Weight = w, Output = dy };
            RunOverImages(ref work);
        }
    }

    /// <summary>Gradient w.r.t. the weight, <c>[OC, C/groups, KH, KW]</c> (overwritten), summed over the batch.</summary>
    public static void BackwardWeight(in Conv2dGeometry g, ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> input, Span<float> gradWeight)
    {
        g.Validate();
        CheckOutput("gradOutput", g, gradOutput.Length);
        CheckInput(g, input);
        Conv2dGeometry.CheckLength("gradWeight", gradWeight.Length, g.WeightLength, WeightShape(g));
        if (g.Batch == 0)
        {
            gradWeight.Clear();
            return;
        }
        fixed (float* dy = gradOutput, x = input, dw = gradWeight)
        {
            if (g.IsDepthwise)
            {
                DepthwiseConv2d.BackwardWeight(g, dy, x, dw);
                return;
            }
            int hw = g.InHeight * g.InWidth, ohw = g.OutHeight * g.OutWidth;
            int cg = g.InChannelsPerGroup, ocg = g.OutChannelsPerGroup, patch = g.PatchLength;
            bool pointwise = IsPointwise(g);
            float* col = pointwise ? null : PackingBuffers.Columns(patch * ohw);
            // One image after another into the same sum, so the order of the sum never depends on threads.
            for (int n = 0; n < g.Batch; n++)
            {
                for (int grp = 0; grp < g.Groups; grp++)
                {
                    float* image = x + ((long)n * g.InChannels + grp * cg) * hw;
                    if (!pointwise) Im2Col.Pack(g, cg, new ReadOnlySpan<float>(image, cg * hw), new Span<float>(col, patch * ohw));
                    // colᵀ: element (spatial s, patch row p) sits at col[p·ohw + s].
                    var op = new GemmOperands
                    {
                        M = ocg, N = patch, K = ohw,
                        A = dy + ((long)n * g.OutChannels + grp * ocg) * ohw, ARow = ohw, ACol = 1,
                        B = pointwise ? image : col, BRow = 1, BCol = ohw,
                        C = dw + (long)grp * ocg * patch, Ldc = patch, Accumulate = n > 0,
                    };
                    Gemm.Run(op, GemmIsaSelection.Best);
                }
            }
        }
    }

    /// <summary>Gradient w.r.t. the bias, <c>[OC]</c> (overwritten): the output gradient summed over batch and space.</summary>
    public static void BackwardBias(in Conv2dGeometry g, ReadOnlySpan<float> gradOutput, Span<float> gradBias)
    {
        g.Validate();
        CheckOutput("gradOutput", g, gradOutput.Length);
        Conv2dGeometry.CheckLength("gradBias", gradBias.Length, g.OutChannels, $"[{g.OutChannels}]");
        int ohw = g.OutHeight * g.OutWidth;
        gradBias.Clear();
        for (int n = 0; n < g.Batch; n++)
            for (int o = 0; o < g.OutChannels; o++)
                gradBias[o] += TensorPrimitives.Sum(gradOutput.Slice((n * g.OutChannels + o) * ohw, ohw));
    }

    /// <summary>Whole images per thread when there are enough of them to share evenly; else one image at a time, each product split across threads.</summary>
    static void RunOverImages(ref ImageWork work)
    {
        int threads = WorkerPool.AvailableThreads, batch = work.G.Batch;
        if (threads > 1 && (batch % threads == 0 || batch >= 4 * threads))
            WorkerPool.Run(ref work, threads);
        else
            work.Execute(0, 1);
    }

    /// <summary>Forward or input gradient for a run of images; <see cref="Input"/> is the input gradient when <see cref="Backward"/>.</summary>
    struct ImageWork : IParallelWork
    {
        public Conv2dGeometry G;
        public bool Backward;
        public float* Input, Weight, Bias, Output;

        public readonly void Execute(int part, int parts)
        {
            int start = (int)((long)G.Batch * part / parts), end = (int)((long)G.Batch * (part + 1) / parts);
            for (int n = start; n < end; n++)
                for (int grp = 0; grp < G.Groups; grp++)
                {
                    if (Backward) InputGradient(n, grp);
                    else OutputOf(n, grp);
                }
        }

        readonly void OutputOf(int n, int grp)
        {
            int hw = G.InHeight * G.InWidth, ohw = G.OutHeight * G.OutWidth;
            int cg = G.InChannelsPerGroup, ocg = G.OutChannelsPerGroup, patch = G.PatchLength;
            float* image = Input + ((long)n * G.InChannels + grp * cg) * hw;
            float* columns = image;
            if (!IsPointwise(G))
            {
                columns = PackingBuffers.Columns(patch * ohw);
                Im2Col.Pack(G, cg, new ReadOnlySpan<float>(image, cg * hw), new Span<float>(columns, patch * ohw));
            }
            var op = new GemmOperands
            {
                M = ocg, N = ohw, K = patch,
                A = Weight + (long)grp * ocg * patch, ARow = patch, ACol = 1,
                B = columns, BRow = ohw, BCol = 1,
                C = Output + ((long)n * G.OutChannels + grp * ocg) * ohw, Ldc = ohw, Accumulate = false,
                RowBias = Bias == null ? null : Bias + grp * ocg,
            };
            Gemm.Run(op, GemmIsaSelection.Best);
        }

        readonly void InputGradient(int n, int grp)
        {
            int hw = G.InHeight * G.InWidth, ohw = G.OutHeight * G.OutWidth;
            int cg = G.InChannelsPerGroup, ocg = G.OutChannelsPerGroup, patch = G.PatchLength;
            float* gradImage = Input + ((long)n * G.InChannels + grp * cg) * hw;
            bool pointwise = IsPointwise(G);
            float* columns = pointwise ? gradImage : PackingBuffers.Columns(patch * ohw);
            // Wᵀ: element (row p of the patch, output channel o) sits at w[o·patch + p].
            var op = new GemmOperands
            {
                M = patch, N = ohw, K = ocg,
                A = Weight + (long)grp * ocg * patch, ARow = 1, ACol = patch,
                B = Output + ((long)n * G.OutChannels + grp * ocg) * ohw, BRow = ohw, BCol = 1,
                C = columns, Ldc = ohw, Accumulate = false,
            };
            Gemm.Run(op, GemmIsaSelection.Best);
            if (pointwise) return;
            var image = new Span<float>(gradImage, cg * hw);
            image.Clear();
            Im2Col.UnpackAdd(G, cg, new ReadOnlySpan<float>(columns, patch * ohw), image);
        }
    }

    static bool IsPointwise(in Conv2dGeometry g) =>
        g.KernelHeight == 1 && g.KernelWidth == 1 && g.StrideH == 1 && g.StrideW == 1 && g.PadH == 0 && g.PadW == 0;

    static string InputShape(in Conv2dGeometry g) => $"[{g.Batch}, {g.InChannels}, {g.InHeight}, {g.InWidth}]";

    static string WeightShape(in Conv2dGeometry g) => $"[{g.OutChannels}, {g.InChannelsPerGroup}, {g.KernelHeight}, {g.KernelWidth}]";

    static void CheckInput(in Conv2dGeometry g, ReadOnlySpan<float> input) =>
        Conv2dGeometry.CheckLength("input", input.Length, g.InputLength, InputShape(g));

    static void CheckWeight(in Conv2dGeometry g, ReadOnlySpan<float> weight) =>
        Conv2dGeometry.CheckLength("weight", weight.Length, g.WeightLength, WeightShape(g));

    static void CheckOutput(string role, in Conv2dGeometry g, int length) =>
        Conv2dGeometry.CheckLength(role, length, g.OutputLength, $"[{g.Batch}, {g.OutChannels}, {g.OutHeight}, {g.OutWidth}]");
}
