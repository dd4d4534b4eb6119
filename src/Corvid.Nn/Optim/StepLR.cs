namespace Corvid.Nn.Optim;

/// <summary>Multiplies the learning rate by <see cref="Gamma"/> every <see cref="StepSize"/> steps, as <c>torch.optim.lr_scheduler.StepLR</c>.</summary>
public sealed class StepLR : LRScheduler
{
    public int StepSize { get; }
    public double Gamma { get; }

    public StepLR(Optimizer optimizer, int stepSize, double gamma = 0.1) : base(optimizer)
    {
        if (stepSize <= 0) throw new ArgumentException($"StepLR: step size must be positive, got {stepSize}");
        StepSize = stepSize;
        Gamma = gamma;
        InitialStep();
    }

    protected override double[] ComputeLr() =>
        LastEpoch == 0 || LastEpoch % StepSize != 0
            ? Groups.Select(g => g.Lr).ToArray()
            : Groups.Select(g => g.Lr * Gamma).ToArray();
}
