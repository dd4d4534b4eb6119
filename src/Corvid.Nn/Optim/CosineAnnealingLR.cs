namespace Corvid.Nn.Optim;

/// <summary>
/// Cosine annealing from the initial learning rate down to <see cref="EtaMin"/> over <see cref="TMax"/>
/// steps (and back up over the next TMax, as PyTorch's recursive form does), as
/// <c>torch.optim.lr_scheduler.CosineAnnealingLR</c>: ηₜ = η_min + (η₀ − η_min)(1 + cos(πt/T_max))/2.
/// </summary>
public sealed class CosineAnnealingLR : LRScheduler
{
    public int TMax { get; }
    public double EtaMin { get; }

    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin = 0) : base(optimizer)
    {
        if (tMax <= 0) throw new ArgumentException($"CosineAnnealingLR: T_max must be positive, got {tMax}");
        TMax = tMax;
        EtaMin = etaMin;
        InitialStep();
    }

    protected override double[] ComputeLr()
    {
        int t = LastEpoch;
        if (t == 0) return Groups.Select(g => g.Lr).ToArray();
        if ((t - 1 - TMax) % (2 * TMax) == 0)
            return Groups.Select((g, i) => g.Lr + (BaseLrs[i] - EtaMin) * (1 - Math.Cos(Math.PI / TMax)) / 2).ToArray();
        return Groups.Select(g =>
            (1 + Math.Cos(Math.PI * t / TMax)) / (1 + Math.Cos(Math.PI * (t - 1) / TMax)) * (g.Lr - EtaMin) + EtaMin).ToArray();
    }
}
