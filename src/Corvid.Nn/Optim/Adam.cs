using Corvid.Tensors;

namespace Corvid.Nn.Optim;

/// <summary>
/// Adam (Kingma &amp; Ba) with optional L2 weight decay added to the gradient and AMSGrad, exactly as
/// <c>torch.optim.Adam</c>: m = β₁m + (1 − β₁)g; v = β₂v + (1 − β₂)g²;
/// p = p − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε).
/// </summary>
public class Adam : Optimizer
{
    public bool Amsgrad { get; }
    public bool Maximize { get; }

    /// <summary>Whether weight decay is decoupled from the gradient (AdamW) instead of added to it.</summary>
    protected virtual bool DecoupledWeightDecay => false;

    public Adam(IEnumerable<Tensor> parameters, double lr = 1e-3, (double Beta1, double Beta2)? betas = null, double eps = 1e-8,
        double weightDecay = 0, bool amsgrad = false, bool maximize = false)
        : this(OneGroup(parameters), lr, betas, eps, weightDecay, amsgrad, maximize)
    {
    }

    public Adam(IEnumerable<ParamGroup> groups, double lr = 1e-3, (double Beta1, double Beta2)? betas = null, double eps = 1e-8,
        double weightDecay = 0, bool amsgrad = false, bool maximize = false)
        : base(groups, DefaultOptions(lr, betas ?? (0.9, 0.999), eps, weightDecay))
    {
        Amsgrad = amsgrad;
        Maximize = maximize;
    }

    private static Dictionary<string, double> DefaultOptions(double lr, (double Beta1, double Beta2) betas, double eps, double weightDecay) => new()
    {
        ["lr"] = lr, ["beta1"] = betas.Beta1, ["beta2"] = betas.Beta2, ["eps"] = eps, ["weight_decay"] = weightDecay,
    };

    protected override void Validate(ParamGroup group, int index)
    {
        base.Validate(group, index);
        string name = GetType().Name;
        if (group["eps"] < 0) throw new ArgumentException($"{name}: invalid epsilon {group["eps"]} in parameter group {index}");
        if (group["beta1"] is < 0 or >= 1) throw new ArgumentException($"{name}: invalid beta1 {group["beta1"]} in parameter group {index} (must be in [0, 1))");
        if (group["beta2"] is < 0 or >= 1) throw new ArgumentException($"{name}: invalid beta2 {group["beta2"]} in parameter group {index} (must be in [0, 1))");
        if (group["weight_decay"] < 0) throw new ArgumentException($"{name}: invalid weight_decay {group["weight_decay"]} in parameter group {index}");
    }

    protected override void Update(ParamGroup group, Span<float> param, ReadOnlySpan<float> grad, ParamState state)
    {
        double lr = group.Lr, beta1 = group["beta1"], beta2 = group["beta2"], weightDecay = group["weight_decay"];
        var expAvg = state.Buffer("exp_avg");
        var expAvgSq = state.Buffer("exp_avg_sq");
        var maxExpAvgSq = Amsgrad ? state.Buffer("max_exp_avg_sq") : default;
        long step = ++state.Step;

        // Bias corrections in double, as PyTorch computes them in Python floats; elementwise work in float32.
        double biasCorrection1 = 1 - Math.Pow(beta1, step);
        double biasCorrection2Sqrt = Math.Sqrt(1 - Math.Pow(beta2, step));
        float negStepSize = (float)-(lr / biasCorrection1);
        float b1 = (float)beta1, oneMinusB1 = (float)(1 - beta1), b2 = (float)beta2, oneMinusB2 = (float)(1 - beta2);
        float eps = (float)group["eps"], bc2Sqrt = (float)biasCorrection2Sqrt;
        bool coupledDecay = weightDecay != 0 && !DecoupledWeightDecay;
        float decay = (float)weightDecay;
        float shrink = (float)(1 - lr * weightDecay);

        new AdamStep
        {
            Maximize = Maximize, Decoupled = DecoupledWeightDecay, CoupledDecay = coupledDecay, Amsgrad = Amsgrad, Decay = decay, Shrink = shrink,
            Beta1 = b1, OneMinusBeta1 = oneMinusB1, Beta2 = b2, OneMinusBeta2 = oneMinusB2, Bc2Sqrt = bc2Sqrt, Eps = eps, NegStepSize = negStepSize,
        }.Apply(param, grad, expAvg, expAvgSq, maxExpAvgSq);
    }
}
