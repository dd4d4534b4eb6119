namespace Corvid.Nn.Optim;

/// <summary>
/// Scales the learning rate by a factor going linearly from <see cref="StartFactor"/> to
/// <see cref="EndFactor"/> over <see cref="TotalIters"/> steps, then holds it: the usual warmup,
/// as <c>torch.optim.lr_scheduler.LinearLR</c>.
/// </summary>
public sealed class LinearLR : LRScheduler
{
    public double StartFactor { get; }
    public double EndFactor { get; }
    public int TotalIters { get; }

    public LinearLR(Optimizer optimizer, double startFactor = 1.0 / 3, double endFactor = 1.0, int totalIters = 5) : base(optimizer)
    {
        if (startFactor is > 1.0 or <= 0)
            throw new ArgumentException($"LinearLR: start factor must be in (0, 1], got {startFactor}");
        if (endFactor is > 1.0 or < 0)
            throw new ArgumentException($"LinearLR: end factor must be in [0, 1], got {endFactor}");
        if (totalIters <= 0) throw new ArgumentException($"LinearLR: total iterations must be positive, got {totalIters}");
        (StartFactor, EndFactor, TotalIters) = (startFactor, endFactor, totalIters);
        InitialStep();
    }

    protected override double[] ComputeLr()
    {
        int t = LastEpoch;
        if (t == 0) return Groups.Select(g => g.Lr * StartFactor).ToArray();
        if (t > TotalIters) return Groups.Select(g => g.Lr).ToArray();
        double ratio = 1.0 + (EndFactor - StartFactor) / (TotalIters * StartFactor + (t - 1) * (EndFactor - StartFactor));
        return Groups.Select(g => g.Lr * ratio).ToArray();
    }
}
