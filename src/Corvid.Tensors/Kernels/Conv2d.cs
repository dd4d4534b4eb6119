using System.Numerics.Tensors;

namespace Corvid.Tensors.Kernels;

/// <summary>
/// 2-D convolution (and 1-D, as height 1) in NCHW float32 on contiguous spans: forward and the
/// gradients. PyTorch's semantics: cross-correlation with stride, zero padding, dilation and groups.
/// </summary>
/// <remarks>
/// Depthwise convolutions (one input channel per group) use direct kernels (<see cref="DepthwiseConv2d"/>).
/// 3x3 stride-1 convolutions with 16+ channels each way and 32+ output tiles (ResNet's 3x3 layers) use
/// Winograd's minimal filtering on AVX-512 machines: F(2x2, 3x3) for the forward pass and the input gradient
/// (<see cref="Winograd3x3"/>), F(3x3, 2x2) for the weight gradient (<see cref="Winograd3x3WeightGradient"/>),
/// 16 multiplies per 2x2 tile and channel pair instead of 36. A forward call given a <see cref="ConvWeightKey"/>
/// keeps the transformed filter between calls (<see cref="WinogradFilterCache"/>), so 16 tiles suffice.
/// Otherwise each (run of images, group) is one matrix multiply over its im2col matrix: forward is
/// <c>W[OC/g, C/g·KH·KW] × col[C/g·KH·KW, OH·OW]</c> with the bias added as the product is stored; the
/// input gradient is <c>Wᵀ × dY</c> folded back by col2im (which is also conv_transpose's forward); the
/// weight gradient is <c>dY × colᵀ</c> summed over the batch. Small feature maps put several images side
/// by side in one product (<see cref="ImagesPerProduct"/>). A 1x1 convolution with stride 1 and no
/// padding needs no im2col: the image is the column matrix.
/// <para>
/// Threads: with enough images, forward and input gradient give each thread whole runs of images; otherwise,
/// and for the weight gradient (a sum over images), the matrix multiplies split the work. Either way
/// results are bit-identical for any <see cref="Threads.Count"/>.
/// </para>
/// </remarks>
public static unsafe class Conv2d
{
    /// <summary>Output <c>[N, OC, OH, OW]</c> (overwritten) of input <c>[N, C, H, W]</c>, weight <c>[OC, C/groups, KH, KW]</c> and bias (empty or <c>[OC]</c>).</summary>
    /// <param name="weightKey">
    /// When given, the weight's identity and version: a Winograd convolution then keeps its transformed filter for
    /// the next call with the same key (and runs Winograd from fewer output tiles), instead of transforming it each call.
    /// </param>
    public static void Forward(in Conv2dGeometry g, ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output,
        ConvWeightKey? weightKey = null)
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
            if (Winograd3x3.Applies(g, filterCached: weightKey is not null))
            {
                Winograd3x3.Run(g, x, w, biasOrNull, y, flipped: false, weightKey);
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
        g.CheckLength("gradInput", gradInput.Length, Conv2dTensor.Input);
        if (g.Batch == 0) return;
        fixed (float* dy = gradOutput, w = weight, dx = gradInput)
        {
            if (g.IsDepthwise)
            {
                DepthwiseConv2d.BackwardInput(g, dy, w, dx);
                return;
            }
            if (Winograd3x3.AppliesToInputGradient(g))
            {
                Winograd3x3.Run(Winograd3x3.InputGradientGeometry(g), dy, w, null, dx, flipped: true);
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
        g.CheckLength("gradWeight", gradWeight.Length, Conv2dTensor.Weight);
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
            if (Winograd3x3WeightGradient.Applies(g))
            {
                Winograd3x3WeightGradient.Run(g, dy, x, dw);
                return;
            }
            int ohw = g.OutHeight * g.OutWidth, ocg = g.OutChannelsPerGroup, patch = g.PatchLength;
            int perProduct = ImagesPerProduct(g);
            // One run of images after another into the same sum, so its order never depends on threads.
            for (int n0 = 0; n0 < g.Batch; n0 += perProduct)
            {
                int images = Math.Min(perProduct, g.Batch - n0), cols = images * ohw;
                for (int grp = 0; grp < g.Groups; grp++)
                {
                    float* gradOut = GatherOutput(g, dy, n0, images, grp);
                    // colᵀ: element (spatial s, patch row p) sits at col[p·cols + s].
                    var op = new GemmOperands
                    {
                        M = ocg, N = patch, K = cols,
                        A = gradOut, ARow = images == 1 ? ohw : cols, ACol = 1,
                        BRow = 1, BCol = cols,
                        C = dw + (long)grp * ocg * patch, Ldc = patch, Accumulate = n0 > 0,
                    };
                    if (UsesImplicitColumns(g))
                    {
                        var panel = new Im2ColTransposedPanel(g, x + ((long)n0 * g.InChannels + grp * g.InChannelsPerGroup) * g.InHeight * g.InWidth);
                        Gemm.RunBlocked(op, panel);
                    }
                    else
                    {
                        op.B = Columns(g, x, n0, images, grp);
                        Gemm.Run(op, GemmIsaSelection.Best);
                    }
                }
            }
        }
    }

    /// <summary>Gradient w.r.t. the bias, <c>[OC]</c> (overwritten): the output gradient summed over batch and space.</summary>
    public static void BackwardBias(in Conv2dGeometry g, ReadOnlySpan<float> gradOutput, Span<float> gradBias)
    {
        g.Validate();
        CheckOutput("gradOutput", g, gradOutput.Length);
        g.CheckLength("gradBias", gradBias.Length, Conv2dTensor.Bias);
        int ohw = g.OutHeight * g.OutWidth;
        gradBias.Clear();
        for (int n = 0; n < g.Batch; n++)
            for (int o = 0; o < g.OutChannels; o++)
                gradBias[o] += TensorPrimitives.Sum(gradOutput.Slice((n * g.OutChannels + o) * ohw, ohw));
    }

    /// <summary>Floats of im2col matrix one product may use: feature maps small enough share a product, up to this.</summary>
    const long ColumnBudget = 1 << 21;

    /// <summary>
    /// How many images' im2col matrices sit side by side in one product. Small feature maps (ResNet's
    /// 14x14 and 7x7) make a thin product per image; several together make it wide enough for the
    /// micro-kernel and, for the weight gradient, make k long instead of summing many short products.
    /// Depends on the geometry only, so the summation order never depends on threads.
    /// </summary>
    static int ImagesPerProduct(in Conv2dGeometry g)
    {
        if (IsPointwise(g)) return 1; // the image is its own column matrix: nothing to gain from copying
        long perImage = (long)g.PatchLength * g.OutHeight * g.OutWidth;
        return (int)Math.Clamp(ColumnBudget / Math.Max(perImage, 1), 1, g.Batch);
    }

    /// <summary>The im2col matrix of images <c>[n0, n0 + images)</c>, group grp, images side by side (the image itself for a pointwise convolution).</summary>
    static float* Columns(in Conv2dGeometry g, float* input, int n0, int images, int grp)
    {
        int hw = g.InHeight * g.InWidth, ohw = g.OutHeight * g.OutWidth, cg = g.InChannelsPerGroup, patch = g.PatchLength;
        float* first = input + ((long)n0 * g.InChannels + grp * cg) * hw;
        if (IsPointwise(g)) return first;
        int cols = images * ohw;
        float* col = PackingBuffers.Columns(patch * cols);
        for (int i = 0; i < images; i++)
            Im2Col.Pack(g, cg, new ReadOnlySpan<float>(first + (long)i * g.InChannels * hw, cg * hw),
                new Span<float>(col + i * ohw, (patch - 1) * cols + ohw), cols);
        return col;
    }

    /// <summary>Output (gradient) rows of images <c>[n0, n0 + images)</c>, group grp, as one <c>[OC/g, images·OH·OW]</c> matrix.</summary>
    static float* GatherOutput(in Conv2dGeometry g, float* output, int n0, int images, int grp)
    {
        int ohw = g.OutHeight * g.OutWidth, ocg = g.OutChannelsPerGroup;
        float* first = output + ((long)n0 * g.OutChannels + grp * ocg) * ohw;
        if (images == 1) return first;
        int cols = images * ohw;
        float* staged = PackingBuffers.Staging(ocg * cols);
        for (int i = 0; i < images; i++)
            for (int o = 0; o < ocg; o++)
                new ReadOnlySpan<float>(first + ((long)i * g.OutChannels + o) * ohw, ohw).CopyTo(new Span<float>(staged + (long)o * cols + i * ohw, ohw));
        return staged;
    }

    /// <summary>Runs of images per thread when there are enough to share evenly; else one run at a time, each product split across threads.</summary>
    static void RunOverImages(ref ImageWork work)
    {
        int threads = WorkerPool.AvailableThreads;
        work.PerProduct = ImagesPerProduct(work.G);
        int runs = (work.G.Batch + work.PerProduct - 1) / work.PerProduct;
        if (threads > 1 && (runs % threads == 0 || runs >= 4 * threads))
            WorkerPool.Run(ref work, threads);
        else
            work.Execute(0, 1);
    }

    /// <summary>Forward or input gradient for runs of images; <see cref="Input"/> is the input gradient when <see cref="Backward"/>.</summary>
    struct ImageWork : IParallelWork
    {
        public Conv2dGeometry G;
        public bool Backward;
        public float* Input, Weight, Bias, Output;
        public int PerProduct;

        public readonly void Execute(int part, int parts)
        {
            int runs = (G.Batch + PerProduct - 1) / PerProduct;
            var (start, end) = WorkerPool.Share(runs, part, parts);
            for (int run = start; run < end; run++)
            {
                int n0 = run * PerProduct, images = Math.Min(PerProduct, G.Batch - n0);
                for (int grp = 0; grp < G.Groups; grp++)
                {
                    if (Backward) InputGradient(n0, images, grp);
                    else OutputOf(n0, images, grp);
                }
            }
        }

        readonly void OutputOf(int n0, int images, int grp)
        {
            int hw = G.InHeight * G.InWidth, ohw = G.OutHeight * G.OutWidth, cg = G.InChannelsPerGroup;
            int ocg = G.OutChannelsPerGroup, patch = G.PatchLength, cols = images * ohw;
            float* outFirst = Output + ((long)n0 * G.OutChannels + grp * ocg) * ohw;
            // One image writes its output in place; several go through staging, one row per output channel.
            float* result = images == 1 ? outFirst : PackingBuffers.Staging(ocg * cols);
            var op = new GemmOperands
            {
                M = ocg, N = cols, K = patch,
                A = Weight + (long)grp * ocg * patch, ARow = patch, ACol = 1,
                BRow = cols, BCol = 1,
                C = result, Ldc = cols, Accumulate = false,
                RowBias = Bias == null ? null : Bias + grp * ocg,
            };
            if (UsesImplicitColumns(G))
            {
                var panel = new Im2ColPanel(G, Input + ((long)n0 * G.InChannels + grp * cg) * hw);
                Gemm.RunBlocked(op, panel);
            }
            else
            {
                op.B = Columns(G, Input, n0, images, grp);
                Gemm.Run(op, GemmIsaSelection.Best);
            }
            if (images == 1) return;
            for (int i = 0; i < images; i++)
                for (int o = 0; o < ocg; o++)
                    new ReadOnlySpan<float>(result + (long)o * cols + i * ohw, ohw).CopyTo(new Span<float>(outFirst + ((long)i * G.OutChannels + o) * ohw, ohw));
        }

        readonly void InputGradient(int n0, int images, int grp)
        {
            int hw = G.InHeight * G.InWidth, ohw = G.OutHeight * G.OutWidth;
            int cg = G.InChannelsPerGroup, ocg = G.OutChannelsPerGroup, patch = G.PatchLength, cols = images * ohw;
            float* gradFirst = Input + ((long)n0 * G.InChannels + grp * cg) * hw;
            bool pointwise = IsPointwise(G);
            float* columns = pointwise ? gradFirst : PackingBuffers.Columns(patch * cols);
            // Wᵀ: element (row p of the patch, output channel o) sits at w[o·patch + p].
            var op = new GemmOperands
            {
                M = patch, N = cols, K = ocg,
                A = Weight + (long)grp * ocg * patch, ARow = 1, ACol = patch,
                B = GatherOutput(G, Output, n0, images, grp), BRow = cols, BCol = 1,
                C = columns, Ldc = cols, Accumulate = false,
            };
            Gemm.Run(op, GemmIsaSelection.Best);
            if (pointwise) return;
            for (int i = 0; i < images; i++)
            {
                var image = new Span<float>(gradFirst + (long)i * G.InChannels * hw, cg * hw);
                image.Clear();
                Im2Col.UnpackAdd(G, cg, new ReadOnlySpan<float>(columns + i * ohw, (patch - 1) * cols + ohw), image, cols);
            }
        }
    }

    /// <summary>
    /// Whether the forward pass and the weight gradient pack B's panels straight from the input
    /// (<see cref="Im2ColPanel"/>, <see cref="Im2ColTransposedPanel"/>) instead of building the im2col matrix:
    /// whenever the product takes the blocked path, i.e. has more than the skinny path's few rows
    /// (output channels per group).
    /// </summary>
    static bool UsesImplicitColumns(in Conv2dGeometry g) => !IsPointwise(g) && g.OutChannelsPerGroup > GemmSkinny.MaxDotRows;

    static bool IsPointwise(in Conv2dGeometry g) =>
        g.KernelHeight == 1 && g.KernelWidth == 1 && g.StrideH == 1 && g.StrideW == 1 && g.PadH == 0 && g.PadW == 0;

    static void CheckInput(in Conv2dGeometry g, ReadOnlySpan<float> input) => g.CheckLength("input", input.Length, Conv2dTensor.Input);

    static void CheckWeight(in Conv2dGeometry g, ReadOnlySpan<float> weight) => g.CheckLength("weight", weight.Length, Conv2dTensor.Weight);

    static void CheckOutput(string role, in Conv2dGeometry g, int length) => g.CheckLength(role, length, Conv2dTensor.Output);
}
