namespace Corvid.Nn.Optim;

/// <summary>Sets each group's learning rate to its initial value times a function of the step, as <c>torch.optim.lr_scheduler.LambdaLR</c>.</summary>
public sealed class LambdaLR : LRScheduler
{
    private readonly IReadOnlyList<Func<int, double>> _lambdas;

    public LambdaLR(Optimizer optimizer, Func<int, double> lrLambda) : this(optimizer, Enumerable.Repeat(lrLambda, optimizer.ParamGroups.Count).ToArray())
    {
    }

    /// <summary>One function per parameter group.</summary>
    public LambdaLR(Optimizer optimizer, IReadOnlyList<Func<int, double>> lrLambdas) : base(optimizer)
    {
        if (lrLambdas.Count != optimizer.ParamGroups.Count)
            throw new ArgumentException($"LambdaLR: expected {optimizer.ParamGroups.Count} lr lambdas (one per parameter group), got {lrLambdas.Count}");
        _lambdas = lrLambdas;
        InitialStep();
    }

    protected override double[] ComputeLr() => BaseLrs.Select((baseLr, i) => baseLr * _lambdas[i](LastEpoch)).ToArray();
}
