using Corvid.Tensors;

namespace Corvid.Nn.Optim;

/// <summary>
/// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and L2 weight
/// decay, exactly as <c>torch.optim.SGD</c>:
/// d = g + λ·p; b = μ·b + (1 − τ)·d (b = d at the first step); d = d + μ·b (Nesterov) or b; p = p − lr·d.
/// </summary>
public sealed class SGD : Optimizer
{
    public bool Nesterov { get; }
    public bool Maximize { get; }

    public SGD(IEnumerable<Tensor> parameters, double lr, double momentum = 0, double dampening = 0, double weightDecay = 0,
        bool nesterov = false, bool maximize = false)
        : this(OneGroup(parameters), lr, momentum, dampening, weightDecay, nesterov, maximize)
    {
    }

    public SGD(IEnumerable<ParamGroup> groups, double lr, double momentum = 0, double dampening = 0, double weightDecay = 0,
        bool nesterov = false, bool maximize = false)
        : base(groups, new Dictionary<string, double>
        {
            ["lr"] = lr, ["momentum"] = momentum, ["dampening"] = dampening, ["weight_decay"] = weightDecay,
        })
    {
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new ArgumentException($"SGD: Nesterov momentum requires a momentum and zero dampening, got momentum {momentum}, dampening {dampening}");
        Nesterov = nesterov;
        Maximize = maximize;
    }

    protected override void Validate(ParamGroup group, int index)
    {
        base.Validate(group, index);
        if (group["momentum"] < 0) throw new ArgumentException($"SGD: invalid momentum {group["momentum"]} in parameter group {index}");
        if (group["weight_decay"] < 0) throw new ArgumentException($"SGD: invalid weight_decay {group["weight_decay"]} in parameter group {index}");
    }

    protected override void Update(ParamGroup group, Span<float> param, ReadOnlySpan<float> grad, ParamState state)
    {
        // The scalars are rounded to float32 where PyTorch's kernels round them, so trajectories agree to the last bits.
        float weightDecay = (float)group["weight_decay"];
        double momentum = group["momentum"];
        float mu = (float)momentum;
        float keep = (float)(1 - group["dampening"]);
        float negLr = (float)-group.Lr;
        bool first = false;
        var buffer = momentum != 0 ? state.Buffer("momentum_buffer", out first) : default;
        state.Step++;
        for (int i = 0; i < param.Length; i++)
        {
            float d = Maximize ? -grad[i] : grad[i];
            if (weightDecay != 0) d += weightDecay * param[i];
            if (momentum != 0)
            {
                buffer[i] = first ? d : buffer[i] * mu + keep * d;
                d = Nesterov ? d + mu * buffer[i] : buffer[i];
            }
            param[i] += negLr * d;
        }
    }
}
