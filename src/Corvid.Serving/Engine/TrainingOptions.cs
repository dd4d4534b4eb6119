namespace Corvid.Serving.Engine;

/// <summary>How <see cref="ClassifierTrainer"/> trains: minibatch SGD or Adam on cross entropy, seeded.</summary>
public sealed record TrainingOptions
{
    public int Epochs { get; init; } = 3;
    public int BatchSize { get; init; } = 64;
    public double LearningRate { get; init; } = 1e-3;
    /// <summary><c>adam</c> or <c>sgd</c> (with <see cref="Momentum"/>).</summary>
    public string Optimizer { get; init; } = "adam";
    public double Momentum { get; init; } = 0.9;
    /// <summary>Seeds the initial weights, dropout and the shuffling: the same seed gives the same model.</summary>
    public ulong Seed { get; init; }
    /// <summary>Stop after this many optimizer steps in all (a quick run); null trains every epoch fully.</summary>
    public int? MaxSteps { get; init; }
    /// <summary>Images per forward pass when measuring test accuracy.</summary>
    public int EvalBatchSize { get; init; } = 500;

    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentException($"epochs is {Epochs}; it must be at least 1");
        if (BatchSize < 1) throw new ArgumentException($"batch size is {BatchSize}; it must be at least 1");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) throw new ArgumentException($"learning rate is {LearningRate}; it must be positive");
        if (Optimizer is not ("adam" or "sgd")) throw new ArgumentException($"optimizer is '{Optimizer}'; use adam or sgd");
        if (Momentum is < 0 or >= 1) throw new ArgumentException($"momentum is {Momentum}; it must be in [0, 1)");
        if (MaxSteps is < 1) throw new ArgumentException($"max steps is {MaxSteps}; it must be at least 1");
        if (EvalBatchSize < 1) throw new ArgumentException($"eval batch size is {EvalBatchSize}; it must be at least 1");
    }
}

/// <summary>Where training is: reported after every optimizer step.</summary>
public readonly record struct TrainingProgress(int Epoch, int Step, int TotalSteps, double Loss);

/// <summary>Test-set figures at the end of one epoch (or of a run cut short by <see cref="TrainingOptions.MaxSteps"/>).</summary>
public sealed record EpochSummary(int Epoch, int Step, double TrainLoss, double TestLoss, double TestAccuracy);
