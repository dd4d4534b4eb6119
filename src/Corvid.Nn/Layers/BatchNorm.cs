using Corvid.Tensors;

namespace Corvid.Nn;

/// <summary>
/// Batch normalisation over the channel dim 1, shared by <see cref="BatchNorm1d"/> and <see cref="BatchNorm2d"/>
/// (PyTorch's <c>_BatchNorm</c>). In training it normalises with the batch's statistics and updates
/// running_mean / running_var (unbiased) with <see cref="Momentum"/>, or with a cumulative average when
/// momentum is null; num_batches_tracked counts the training batches. In eval it uses the running statistics.
/// </summary>
public abstract class BatchNorm : Module<Tensor, Tensor>
{
    public int NumFeatures { get; }
    public float Eps { get; }

    /// <summary>Weight of the newest batch in the running statistics; null means a cumulative moving average.</summary>
    public double? Momentum { get; }
    public bool Affine { get; }
    public bool TrackRunningStats { get; }

    protected BatchNorm(int numFeatures, float eps, double? momentum, bool affine, bool trackRunningStats)
    {
        if (numFeatures <= 0) throw new ArgumentException($"{GetType().Name}: num_features must be positive, got {numFeatures}");
        (NumFeatures, Eps, Momentum, Affine, TrackRunningStats) = (numFeatures, eps, momentum, affine, trackRunningStats);
        if (affine)
        {
            RegisterParameter("weight", Tensor.Ones(numFeatures));
            RegisterParameter("bias", Tensor.Zeros(numFeatures));
        }
        if (trackRunningStats)
        {
            RegisterBuffer("running_mean", Tensor.Zeros(numFeatures));
            RegisterBuffer("running_var", Tensor.Ones(numFeatures));
            RegisterBuffer("num_batches_tracked", Tensor.Zeros([], DType.Int64));
        }
    }

    public Tensor? Weight => OptionalParameter("weight");
    public Tensor? Bias => OptionalParameter("bias");
    public Tensor? RunningMean => TrackRunningStats ? Buffer("running_mean") : null;
    public Tensor? RunningVar => TrackRunningStats ? Buffer("running_var") : null;
    public long NumBatchesTracked => TrackRunningStats ? Buffer("num_batches_tracked").ItemLong() : 0;

    /// <summary>The input ranks this layer accepts, e.g. [2, 3] for BatchNorm1d.</summary>
    protected abstract int[] AcceptedRanks { get; }

    protected abstract string ExpectedLayout { get; }

    public override Tensor Forward(Tensor input)
    {
        if (!AcceptedRanks.Contains(input.Rank))
            throw new ArgumentException($"{this}: expected input {ExpectedLayout}, got shape {ShapeMath.Format(input.Shape)}");
        if (input.Shape[1] != NumFeatures)
            throw new ArgumentException($"{this}: input has {input.Shape[1]} channels, the layer expects {NumFeatures} (input shape {ShapeMath.Format(input.Shape)})");

        double factor = Momentum ?? 0.0;
        if (Training && TrackRunningStats)
        {
            var count = Buffer("num_batches_tracked");
            count.L[count.Offset]++;
            count.Storage.Version++;
            if (Momentum is null) factor = 1.0 / count.L[count.Offset];
        }
        // Without running statistics there is nothing else to normalise with, even in eval mode.
        bool useBatchStats = Training || !TrackRunningStats;
        return F.BatchNorm(input, RunningMean, RunningVar, Weight, Bias, useBatchStats, (float)factor, Eps);
    }

    protected override string ExtraRepr()
    {
        var momentum = Momentum is { } m ? m.ToString("G", System.Globalization.CultureInfo.InvariantCulture) : "None";
        return $"{NumFeatures}, eps={Eps:G}, momentum={momentum}, affine={(Affine ? "True" : "False")}, track_running_stats={(TrackRunningStats ? "True" : "False")}";
    }
}
