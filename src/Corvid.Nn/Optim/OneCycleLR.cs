namespace Corvid.Nn.Optim;

/// <summary>How <see cref="OneCycleLR"/> moves between two values within a phase.</summary>
public enum AnnealStrategy
{
    /// <summary>end + (start − end)/2 · (1 + cos(π·pct)).</summary>
    Cos,

    /// <summary>start + (end − start)·pct.</summary>
    Linear,
}

/// <summary>
/// The 1cycle policy (Smith &amp; Topin), exactly as <c>torch.optim.lr_scheduler.OneCycleLR</c>: the
/// learning rate rises from max_lr/div_factor to max_lr over the first pct_start of the steps, then
/// falls to initial_lr/final_div_factor (with three phases: back down to initial_lr by 2·pct_start,
/// then to the minimum). Momentum (SGD's momentum, Adam's beta1) cycles the opposite way when
/// <c>cycleMomentum</c> is on. Construction applies step 0; stepping past total_steps is an error.
/// </summary>
public sealed class OneCycleLR : LRScheduler
{
    private readonly Phase[] _phases;
    private readonly string? _momentumOption;

    private sealed record Phase(double EndStep, string StartLr, string EndLr, string StartMomentum, string EndMomentum);

    public int TotalSteps { get; }
    public AnnealStrategy AnnealStrategy { get; }
    public bool CycleMomentum => _momentumOption is not null;

    public OneCycleLR(Optimizer optimizer, double maxLr, int? totalSteps = null, int? epochs = null, int? stepsPerEpoch = null,
        double pctStart = 0.3, AnnealStrategy annealStrategy = AnnealStrategy.Cos, bool cycleMomentum = true,
        double baseMomentum = 0.85, double maxMomentum = 0.95, double divFactor = 25.0, double finalDivFactor = 1e4, bool threePhase = false)
        : this(optimizer, Enumerable.Repeat(maxLr, optimizer.ParamGroups.Count).ToArray(), totalSteps, epochs, stepsPerEpoch, pctStart,
            annealStrategy, cycleMomentum, baseMomentum, maxMomentum, divFactor, finalDivFactor, threePhase)
    {
    }

    /// <summary>One max_lr per parameter group.</summary>
    public OneCycleLR(Optimizer optimizer, IReadOnlyList<double> maxLrs, int? totalSteps = null, int? epochs = null, int? stepsPerEpoch = null,
        double pctStart = 0.3, AnnealStrategy annealStrategy = AnnealStrategy.Cos, bool cycleMomentum = true,
        double baseMomentum = 0.85, double maxMomentum = 0.95, double divFactor = 25.0, double finalDivFactor = 1e4, bool threePhase = false)
        : base(optimizer)
    {
        if (totalSteps is { } total)
        {
            if (total <= 0) throw new ArgumentException($"OneCycleLR: total steps must be positive, got {total}");
            TotalSteps = total;
        }
        else if (epochs is { } e && stepsPerEpoch is { } s)
        {
            if (e <= 0) throw new ArgumentException($"OneCycleLR: epochs must be positive, got {e}");
            if (s <= 0) throw new ArgumentException($"OneCycleLR: steps per epoch must be positive, got {s}");
            TotalSteps = e * s;
        }
        else
        {
            throw new ArgumentException("OneCycleLR: give either totalSteps or both epochs and stepsPerEpoch");
        }
        if (pctStart is < 0 or > 1) throw new ArgumentException($"OneCycleLR: pct_start must be in [0, 1], got {pctStart}");
        if (maxLrs.Count != Groups.Count)
            throw new ArgumentException($"OneCycleLR: expected {Groups.Count} max_lr values (one per parameter group), got {maxLrs.Count}");
        AnnealStrategy = annealStrategy;

        _phases = threePhase
            ?
            [
                new Phase(pctStart * TotalSteps - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                new Phase(2 * pctStart * TotalSteps - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
                new Phase(TotalSteps - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
            :
            [
                new Phase(pctStart * TotalSteps - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                new Phase(TotalSteps - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"),
            ];

        for (int i = 0; i < Groups.Count; i++)
        {
            Groups[i]["initial_lr"] = maxLrs[i] / divFactor;
            Groups[i]["max_lr"] = maxLrs[i];
            Groups[i]["min_lr"] = Groups[i]["initial_lr"] / finalDivFactor;
        }

        if (cycleMomentum)
        {
            // SGD cycles "momentum"; Adam and AdamW cycle beta1, as PyTorch does with betas[0].
            _momentumOption = optimizer.Defaults.ContainsKey("momentum") ? "momentum"
                : optimizer.Defaults.ContainsKey("beta1") ? "beta1"
                : throw new ArgumentException($"OneCycleLR: {optimizer.GetType().Name} has no momentum or beta1 to cycle; pass cycleMomentum: false");
            foreach (var group in Groups)
            {
                group[_momentumOption] = maxMomentum;
                group["max_momentum"] = maxMomentum;
                group["base_momentum"] = baseMomentum;
            }
        }
        InitialStep();
    }

    protected override double[] ComputeLr()
    {
        int stepNum = LastEpoch;
        // PyTorch allows one step past the last scheduled one (its check is step > total_steps).
        if (stepNum > TotalSteps)
            throw new InvalidOperationException($"OneCycleLR: tried to step {stepNum + 1} times; the specified number of total steps is {TotalSteps}");

        var lrs = new double[Groups.Count];
        for (int g = 0; g < Groups.Count; g++)
        {
            var group = Groups[g];
            double startStep = 0;
            for (int i = 0; i < _phases.Length; i++)
            {
                var phase = _phases[i];
                if (stepNum <= phase.EndStep || i == _phases.Length - 1)
                {
                    double pct = (stepNum - startStep) / (phase.EndStep - startStep);
                    lrs[g] = Anneal(group[phase.StartLr], group[phase.EndLr], pct);
                    if (_momentumOption is not null)
                        group[_momentumOption] = Anneal(group[phase.StartMomentum], group[phase.EndMomentum], pct);
                    break;
                }
                startStep = phase.EndStep;
            }
        }
        return lrs;
    }

    private double Anneal(double start, double end, double pct) => AnnealStrategy == AnnealStrategy.Cos
        ? end + (start - end) / 2.0 * (Math.Cos(Math.PI * pct) + 1)
        : (end - start) * pct + start;
}
