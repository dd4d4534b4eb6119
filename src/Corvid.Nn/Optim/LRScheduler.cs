namespace Corvid.Nn.Optim;

/// <summary>
/// Sets the learning rate of each parameter group as training goes, as <c>torch.optim.lr_scheduler</c>:
/// construction applies the value for step 0, and each <see cref="Step"/> (called after
/// <c>optimizer.Step()</c>) moves to the next. The formulas are PyTorch's chainable ones, in double precision,
/// so the learning rates match PyTorch's.
/// </summary>
public abstract class LRScheduler
{
    private double[] _lastLr = [];

    protected LRScheduler(Optimizer optimizer) => Optimizer = optimizer;

    public Optimizer Optimizer { get; }

    /// <summary>The index of the step whose learning rate is applied (0 right after construction).</summary>
    public int LastEpoch { get; private set; } = -1;

    /// <summary>Each group's learning rate before scheduling ("initial_lr").</summary>
    public IReadOnlyList<double> BaseLrs { get; private set; } = [];

    protected IReadOnlyList<ParamGroup> Groups => Optimizer.ParamGroups;

    /// <summary>
    /// Records each group's initial_lr (if a scheduler has not already) and applies step 0. Derived
    /// constructors call it last, once their own settings are in place (PyTorch calls super().__init__ last).
    /// </summary>
    protected void InitialStep()
    {
        foreach (var group in Groups)
            if (!group.Has("initial_lr")) group["initial_lr"] = group.Lr;
        BaseLrs = Groups.Select(g => g["initial_lr"]).ToArray();
        Step();
    }

    /// <summary>Advances one step and writes the new learning rate into every group.</summary>
    public void Step()
    {
        LastEpoch++;
        var lrs = ComputeLr();
        for (int i = 0; i < Groups.Count; i++) Groups[i].Lr = lrs[i];
        _lastLr = lrs;
    }

    /// <summary>
    /// Continues a schedule saved at step <paramref name="lastEpoch"/>: call it after loading the optimizer's
    /// state (which holds the groups' learning rates and initial_lr), on a scheduler built as before.
    /// </summary>
    public void LoadState(int lastEpoch)
    {
        if (lastEpoch < 0) throw new ArgumentException($"{GetType().Name}: the saved step index must be non-negative, got {lastEpoch}");
        LastEpoch = lastEpoch;
        BaseLrs = Groups.Select(g => g["initial_lr"]).ToArray();
        _lastLr = Groups.Select(g => g.Lr).ToArray();
    }

    /// <summary>The learning rates the last <see cref="Step"/> set, one per group.</summary>
    public IReadOnlyList<double> GetLastLr() => _lastLr;

    /// <summary>The learning rates for <see cref="LastEpoch"/>, one per group (PyTorch's get_lr).</summary>
    protected abstract double[] ComputeLr();
}
